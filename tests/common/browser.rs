//! A real browser for what a recipient opens: Debian's `chromium`, headless, driven over WebDriver
//! by its `chromedriver` (`make test` installs both). Each `Browser` has its own driver process and
//! an empty profile, and both go when it is dropped.

// Each test binary with a browser uses a part of it.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::common::{KillOnDrop, free_port};

pub struct Browser {
    pub client: Client,
    _driver: KillOnDrop,
}

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

impl Browser {
    pub async fn start(dir: &Path) -> Browser {
        Browser::start_saving_to(dir, &dir.join("downloads")).await
    }

    /// A browser whose downloads land in `downloads`, without asking.
    pub async fn start_saving_to(dir: &Path, downloads: &Path) -> Browser {
        std::fs::create_dir_all(downloads).unwrap();
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "Chromium and ChromeDriver are not installed: run the tests with `make test`, which installs Debian's chromium and chromium-driver"
        );
        let port = free_port();
        let log = std::fs::File::create(dir.join("chromedriver.log")).unwrap();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let driver = KillOnDrop(child, Vec::new());
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let profile = dir.join("chromium-profile");
        std::fs::create_dir_all(&profile).unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": CHROMIUM,
                // Without the background-networking flags Chromium tries Google's hosts, which a
                // closed network refuses many times over.
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-extensions",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                    "download.directory_upgrade": true,
                    "safebrowsing.enabled": false,
                    "profile.default_content_setting_values.automatic_downloads": 1,
                },
            }),
        );
        let mut builder = ClientBuilder::new(HttpConnector::new());
        builder.capabilities(caps);
        let client = tokio::time::timeout(
            Duration::from_secs(60),
            builder.connect(&format!("http://127.0.0.1:{port}")),
        )
        .await
        .expect("no WebDriver session within 60 s")
        .expect("WebDriver session");
        Browser {
            client,
            _driver: driver,
        }
    }

    /// The text of the element `css`, once it is there.
    pub async fn text(&self, css: &str) -> String {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Waits until the element `css` shows `needle`; its whole text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(needle) {
                return text;
            }
            assert!(
                Instant::now() < deadline,
                "{css} did not show {needle:?} within 30 s (last: {text:?})"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Picks `files` in the file input `css`, as a person does in the file dialog.
    pub async fn choose_files(&self, css: &str, files: &[&Path]) {
        let input = self.client.find(Locator::Css(css)).await.unwrap();
        let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
        input.send_keys(&paths.join("\n")).await.unwrap();
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.client.find(Locator::Css(css)).await.unwrap();
        el.send_keys(text).await.unwrap();
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
