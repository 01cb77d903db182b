//! Presets for the S3-compatible stores people use, so that connecting a bucket means filling in
//! what is yours (account, region, bucket) rather than knowing each provider's endpoint pattern,
//! region rules and addressing style.

use serde::Serialize;

/// One provider: how its endpoint is built and how it wants to be addressed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export_to = "Provider.ts")]
pub struct Provider {
    pub id: &'static str,
    pub name: &'static str,
    /// The endpoint with `{region}` and/or `{account}` to fill in; `None` for AWS (the SDK knows its
    /// endpoints); empty for stores you run yourself, whose address only you know.
    pub endpoint: Option<&'static str>,
    /// What to put in the endpoint field as an example when the user types it whole.
    pub endpoint_example: Option<&'static str>,
    /// The region to start from; `fixed_region` when the provider has only that one.
    pub default_region: Option<&'static str>,
    pub fixed_region: bool,
    /// Some regions, as suggestions (not a closed list: providers add regions).
    pub regions: &'static [&'static str],
    /// What `{account}` is called at this provider, when the endpoint has one.
    pub account_label: Option<&'static str>,
    pub path_style: bool,
    /// Takes browser uploads signed by a POST policy (S3's POST Object), which upload requests
    /// need. Cloudflare R2 and Backblaze B2 do not.
    pub browser_uploads: bool,
    /// A sentence on where to find the keys, shown next to the form.
    pub help: &'static str,
}

pub const PROVIDERS: &[Provider] = &[
    Provider {
        id: "aws",
        name: "AWS S3",
        endpoint: None,
        endpoint_example: None,
        default_region: Some("us-east-1"),
        fixed_region: false,
        regions: &[
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "eu-west-1",
            "eu-west-2",
            "eu-central-1",
            "eu-north-1",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-northeast-1",
            "ap-south-1",
            "sa-east-1",
            "ca-central-1",
        ],
        account_label: None,
        path_style: false,
        browser_uploads: true,
        help: "An IAM user's access key (IAM → Users → Security credentials), or an AWS profile from ~/.aws/config (SSO and assume-role work). The bucket's region is detected.",
    },
    Provider {
        id: "r2",
        name: "Cloudflare R2",
        endpoint: Some("https://{account}.r2.cloudflarestorage.com"),
        endpoint_example: None,
        default_region: Some("auto"),
        fixed_region: true,
        regions: &["auto"],
        account_label: Some("Account ID"),
        path_style: true,
        browser_uploads: false,
        help: "R2 → Manage R2 API tokens → Create API token (Object Read & Write). The account ID is on the R2 overview page.",
    },
    Provider {
        id: "b2",
        name: "Backblaze B2",
        endpoint: Some("https://s3.{region}.backblazeb2.com"),
        endpoint_example: None,
        default_region: Some("us-west-004"),
        fixed_region: false,
        regions: &[
            "us-west-000",
            "us-west-001",
            "us-west-002",
            "us-west-004",
            "us-east-005",
            "eu-central-003",
        ],
        account_label: None,
        path_style: false,
        browser_uploads: false,
        help: "B2 → Application Keys → Add a New Application Key. The region is part of the bucket's S3 endpoint (s3.<region>.backblazeb2.com).",
    },
    Provider {
        id: "wasabi",
        name: "Wasabi",
        endpoint: Some("https://s3.{region}.wasabisys.com"),
        endpoint_example: None,
        default_region: Some("us-east-1"),
        fixed_region: false,
        regions: &[
            "us-east-1",
            "us-east-2",
            "us-central-1",
            "us-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-west-1",
            "eu-west-2",
            "ap-northeast-1",
            "ap-southeast-1",
        ],
        account_label: None,
        path_style: false,
        browser_uploads: true,
        help: "Wasabi console → Access Keys → Create New Access Key.",
    },
    Provider {
        id: "spaces",
        name: "DigitalOcean Spaces",
        endpoint: Some("https://{region}.digitaloceanspaces.com"),
        endpoint_example: None,
        default_region: Some("nyc3"),
        fixed_region: false,
        regions: &["nyc3", "sfo3", "ams3", "fra1", "sgp1", "syd1", "blr1"],
        account_label: None,
        path_style: false,
        browser_uploads: true,
        help: "Control panel → API → Spaces Keys → Generate New Key.",
    },
    Provider {
        id: "minio",
        name: "MinIO",
        endpoint: Some(""),
        endpoint_example: Some("https://minio.example.com or http://127.0.0.1:9000"),
        default_region: Some("us-east-1"),
        fixed_region: false,
        regions: &["us-east-1"],
        account_label: None,
        path_style: true,
        browser_uploads: true,
        help: "MinIO console → Access Keys → Create access key. The endpoint is the S3 API port (9000 by default), not the console's.",
    },
    Provider {
        id: "garage",
        name: "Garage",
        endpoint: Some(""),
        endpoint_example: Some("https://garage.example.com or http://127.0.0.1:3900"),
        default_region: Some("garage"),
        fixed_region: false,
        regions: &["garage"],
        account_label: None,
        path_style: true,
        browser_uploads: true,
        help: "`garage key create linkdrop` gives the keys; `garage bucket allow --read --write --owner <bucket> --key linkdrop` lets them in. The region is s3_region in garage.toml.",
    },
    Provider {
        id: "custom",
        name: "Other S3-compatible",
        endpoint: Some(""),
        endpoint_example: Some("https://s3.example.com"),
        default_region: Some("us-east-1"),
        fixed_region: false,
        regions: &[],
        account_label: None,
        path_style: true,
        browser_uploads: true,
        help: "Any server that speaks the S3 API with SigV4 signatures.",
    },
];

impl Provider {
    pub fn find(id: &str) -> Option<&'static Provider> {
        PROVIDERS.iter().find(|p| p.id == id)
    }

    /// The endpoint for `region` and `account`, when this provider builds it from a pattern.
    pub fn endpoint_for(&self, region: &str, account: &str) -> Option<String> {
        self.endpoint
            .filter(|e| !e.is_empty())
            .map(|e| e.replace("{region}", region).replace("{account}", account))
    }

    /// The provider whose endpoint pattern `endpoint` was made from (`None` endpoint: AWS); `None`
    /// for a store of one's own (MinIO, Garage, …), whose address has no pattern.
    pub fn of_endpoint(endpoint: Option<&str>) -> Option<&'static Provider> {
        let Some(endpoint) = endpoint else {
            return Provider::find("aws");
        };
        let host = url::Url::parse(endpoint)
            .ok()?
            .host_str()?
            .to_ascii_lowercase();
        PROVIDERS.iter().find(|p| {
            // What follows the last placeholder of the pattern's host: ".r2.cloudflarestorage.com".
            p.endpoint
                .and_then(|e| e.split_once("://"))
                .and_then(|(_, rest)| rest.rsplit_once('}'))
                .is_some_and(|(_, suffix)| !suffix.is_empty() && host.ends_with(suffix))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_endpoint_names_its_provider_and_whether_browsers_may_upload() {
        let of = |e: Option<&str>| Provider::of_endpoint(e).map(|p| (p.id, p.browser_uploads));
        assert_eq!(of(None), Some(("aws", true)));
        assert_eq!(
            of(Some("https://abc123.r2.cloudflarestorage.com")),
            Some(("r2", false))
        );
        assert_eq!(
            of(Some("https://s3.eu-central-003.backblazeb2.com/")),
            Some(("b2", false))
        );
        assert_eq!(
            of(Some("https://s3.eu-central-2.wasabisys.com")),
            Some(("wasabi", true))
        );
        assert_eq!(of(Some("http://127.0.0.1:9000")), None);
        assert_eq!(of(Some("https://minio.lan")), None);
    }

    #[test]
    fn patterns_fill_in_region_and_account() {
        let b2 = Provider::find("b2").unwrap();
        assert_eq!(
            b2.endpoint_for("eu-central-003", "").as_deref(),
            Some("https://s3.eu-central-003.backblazeb2.com")
        );
        let r2 = Provider::find("r2").unwrap();
        assert_eq!(
            r2.endpoint_for("auto", "abc123").as_deref(),
            Some("https://abc123.r2.cloudflarestorage.com")
        );
        assert_eq!(Provider::find("aws").unwrap().endpoint_for("x", "y"), None);
        assert_eq!(
            Provider::find("minio").unwrap().endpoint_for("x", "y"),
            None
        );
    }

    #[test]
    fn ids_are_unique_and_every_preset_is_complete() {
        let mut ids: Vec<_> = PROVIDERS.iter().map(|p| p.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), PROVIDERS.len());
        for p in PROVIDERS {
            assert!(!p.help.is_empty() && p.default_region.is_some(), "{}", p.id);
            assert_eq!(
                p.account_label.is_some(),
                p.endpoint.is_some_and(|e| e.contains("{account}")),
                "{}",
                p.id
            );
        }
    }
}
