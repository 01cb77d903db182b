//! Upload requests in the window, against the real backend and store: the tray opens the
//! Requests view; a request made there puts its link in the clipboard; a file sent through the request's own form
//! arrives, is announced by a notification, shows in the inbox and can be shared on.

use std::time::Duration;

use serde_json::Value;

use crate::harness::App;

/// The request's signed forms, read from its page (the JSON in its data element).
async fn page_data(url: &str) -> Value {
    let html = reqwest::get(url).await.unwrap().text().await.unwrap();
    linkdrop::system::html::data_of(&html, "request").expect("the page has its data")
}

/// Sends `name` through the page's first form, as the page's script does.
async fn send(data: &Value, name: &str, bytes: &'static [u8], sender: &str) -> u16 {
    let form = &data["forms"][0];
    let mut multipart = reqwest::multipart::Form::new();
    for field in form["fields"].as_array().unwrap() {
        multipart = multipart.text(
            field[0].as_str().unwrap().to_owned(),
            field[1].as_str().unwrap().to_owned(),
        );
    }
    multipart = multipart
        .text(
            "key",
            format!("{}e2e/{name}", data["key_prefix"].as_str().unwrap()),
        )
        .text("Content-Type", "application/pdf")
        .text(
            "Content-Disposition",
            format!("attachment; filename*=UTF-8''{name}"),
        )
        .text("x-amz-meta-sender", sender.to_owned())
        .text("x-amz-meta-message", "")
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    reqwest::Client::new()
        .post(form["action"].as_str().unwrap())
        .multipart(multipart)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_request_made_in_the_window_receives_a_file_and_says_so() {
    let app = App::launch().await;
    app.wait_for_text("footer", "profile local").await;
    // The tray's "Request files…" opens the window's Requests view.
    app.wait_for_tray_item();
    app.tray(&["click", "Request files…"]);
    app.wait_for_attr("#tab-requests", "aria-selected", "true")
        .await;
    app.wait_for_text(".requests", "No upload requests yet.")
        .await;
    let name = app
        .client()
        .find(fantoccini::Locator::Css(
            "form.new-request input[type=text]",
        ))
        .await
        .unwrap();
    name.send_keys("Invoices for March").await.unwrap();
    app.find("form.new-request button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    app.wait_for_text(".request h3", "Invoices for March").await;
    let note = app
        .wait_for_notification(Duration::from_secs(10), |n| {
            n.summary.starts_with("Upload link copied")
        })
        .await;
    assert_eq!(note.summary, "Upload link copied — open for 1 hour");
    let url = app.clipboard().expect("the link is in the clipboard");
    assert!(
        url.contains("/requests/") && url.contains("X-Amz-Signature"),
        "{url}"
    );

    let data = page_data(&url).await;
    assert_eq!(data["name"], "Invoices for March");
    let status = send(&data, "contract.pdf", b"%PDF-1.4 signed", "Bob").await;
    assert_eq!(status, 201);

    // The watch finds it on its own (within its first backoff steps) and says so.
    let arrived = app
        .wait_for_notification(Duration::from_secs(40), |n| n.summary.contains("arrived"))
        .await;
    assert_eq!(
        arrived.summary,
        "contract.pdf arrived for Invoices for March"
    );
    assert_eq!(arrived.body, "from Bob");
    let inbox = app.wait_for_text(".arrivals", "contract.pdf").await;
    assert!(inbox.contains("from Bob"), "{inbox}");
    let listed = app.cli(&["request", "files", data_id(&url).as_str(), "--json"]);
    let files: Vec<Value> = serde_json::from_str(listed.trim()).unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["size"], 15);

    // Shared on: a normal link, in the clipboard and the history, that downloads the file.
    let share = app
        .client()
        .find(fantoccini::Locator::XPath(
            "//li[contains(@class,'arrival')]//button[normalize-space(text())='Share link']",
        ))
        .await
        .unwrap();
    share.click().await.unwrap();
    app.wait_for_text(".requests [role=status]", "Link to contract.pdf copied.")
        .await;
    let link = app.clipboard().unwrap();
    let body = reqwest::get(&link).await.unwrap().bytes().await.unwrap();
    assert_eq!(body.as_ref(), b"%PDF-1.4 signed");
    let history = app.cli(&["history", "--json"]);
    assert!(history.contains("contract.pdf"), "{history}");

    let report = app.close().await;
    assert!(report.left.is_empty(), "processes left behind: {report:?}");
}

/// The request's id, from its link (`…/requests/<id>/index.html?…`).
fn data_id(url: &str) -> String {
    url.split("/requests/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_owned()
}
