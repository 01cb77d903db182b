//! `linkdrop share --clipboard` against a real X clipboard: an Xvfb display of the test's own,
//! with xclip holding what a user copied (an image as `image/png`, text, a file manager's URIs),
//! shared to the embedded store and fetched back through its link.

mod common;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Backend, TestEnv, stderr, stdout};
use serde_json::Value;

/// An X display of the test's own (Xvfb picks a free number and says it), ended on drop.
struct Display {
    name: String,
    server: Child,
    owners: Vec<Child>,
}

impl Display {
    fn start() -> Display {
        let mut server = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "320x200x24",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb (package xvfb) runs");
        let mut line = String::new();
        std::io::BufReader::new(server.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let number: u32 = line.trim().parse().expect("Xvfb says its display");
        Display {
            name: format!(":{number}"),
            server,
            owners: Vec::new(),
        }
    }

    /// Puts `bytes` on the clipboard as `target`, as a program the user copied from would: xclip
    /// stays and serves it.
    fn copy(&mut self, target: &str, bytes: &[u8]) {
        use std::io::Write;
        for mut owner in self.owners.drain(..) {
            let _ = owner.kill();
            let _ = owner.wait();
        }
        let mut xclip = Command::new("xclip")
            .args(["-selection", "clipboard", "-quiet", "-t", target, "-i"])
            .env("DISPLAY", &self.name)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("xclip runs");
        xclip.stdin.take().unwrap().write_all(bytes).unwrap();
        self.owners.push(xclip);
        // Until xclip owns the selection, a reader finds nothing.
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let targets = Command::new("xclip")
                .args(["-selection", "clipboard", "-o", "-t", "TARGETS"])
                .env("DISPLAY", &self.name)
                .output()
                .unwrap();
            if String::from_utf8_lossy(&targets.stdout).contains(target) {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "xclip never owned the clipboard"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        for owner in self
            .owners
            .iter_mut()
            .chain(std::iter::once(&mut self.server))
        {
            let _ = owner.kill();
            let _ = owner.wait();
        }
    }
}

fn share_clipboard(env: &TestEnv, backend: &Backend, display: &Display) -> Value {
    let output = env
        .linkdrop(&[
            "share",
            "--clipboard",
            "--json",
            "--profile",
            &backend.profile,
        ])
        .env("DISPLAY", &display.name)
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_str(stdout(&output).trim()).unwrap()
}

fn download(url: &str) -> Vec<u8> {
    let response = common::http().get(url).send().unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    response.bytes().unwrap().to_vec()
}

/// (width, height, RGBA pixels) of a PNG.
fn pixels(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes.to_vec()));
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::ALPHA);
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn captures_left(env: &TestEnv) -> usize {
    std::fs::read_dir(env.data_dir().join("captures"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// A picture no encoder could guess: every pixel its own, some see-through.
fn picture(width: u32, height: u32) -> Vec<u8> {
    (0..width * height)
        .flat_map(|i| {
            let (x, y) = (i % width, i / width);
            [
                (x * 7) as u8,
                (y * 11) as u8,
                (x ^ y) as u8,
                if x % 5 == 0 { 128 } else { 255 },
            ]
        })
        .collect()
}

fn encode(width: u32, height: u32, rgba: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(rgba).unwrap();
    writer.finish().unwrap();
    out
}

#[test]
fn a_copied_image_is_shared_as_a_png_of_the_same_pixels() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let mut display = Display::start();
    let rgba = picture(97, 41);
    display.copy("image/png", &encode(97, 41, &rgba));
    let share = share_clipboard(&env, &backend, &display);
    let name = share["name"].as_str().unwrap();
    assert!(
        name.starts_with("Copied image ") && name.ends_with(".png"),
        "{name}"
    );
    assert_eq!(share["content_type"], "image/png", "{share}");
    let (width, height, got) = pixels(&download(share["url"].as_str().unwrap()));
    assert_eq!((width, height), (97, 41));
    assert!(got == rgba, "the pixels differ");
    assert_eq!(
        captures_left(&env),
        0,
        "the file made of the image is gone once shared"
    );
}

#[test]
fn copied_text_is_shared_as_utf8_named_from_its_first_words() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let mut display = Display::start();
    let text = "Quarterly numbers: draft 2 — ünïcode\nsecond line\n";
    display.copy("UTF8_STRING", text.as_bytes());
    let share = share_clipboard(&env, &backend, &display);
    assert_eq!(
        share["name"], "Quarterly numbers draft 2 ünïcode.txt",
        "{share}"
    );
    assert_eq!(download(share["url"].as_str().unwrap()), text.as_bytes());
    assert_eq!(captures_left(&env), 0);
}

#[test]
fn copied_files_are_shared_as_themselves() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let mut display = Display::start();
    let file = env.file("report draft.pdf", b"%PDF-1.7 not really");
    let uri = url::Url::from_file_path(&file).unwrap();
    display.copy("text/uri-list", format!("{uri}\r\n").as_bytes());
    let share = share_clipboard(&env, &backend, &display);
    assert_eq!(share["name"], "report draft.pdf", "{share}");
    assert_eq!(
        download(share["url"].as_str().unwrap()),
        b"%PDF-1.7 not really"
    );
    assert!(file.exists(), "the user's own file is never removed");
}

#[test]
fn an_empty_clipboard_or_none_at_all_is_said_and_shares_nothing() {
    let env = TestEnv::new();
    let backend = Backend::embedded(&env);
    let display = Display::start();
    let output = env
        .linkdrop(&["share", "--clipboard", "--profile", &backend.profile])
        .env("DISPLAY", &display.name)
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("the clipboard holds nothing LinkDrop can share"),
        "{}",
        stderr(&output)
    );
    let output = env
        .linkdrop(&["share", "--clipboard", "--profile", &backend.profile])
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("cannot read the clipboard"),
        "{}",
        stderr(&output)
    );
    let history: Vec<Value> =
        serde_json::from_str(&stdout(&env.run(&["history", "--json"]))).unwrap();
    assert!(history.is_empty(), "{history:?}");
    // And files with --clipboard are one or the other, said at once.
    let output = env.run(&["share", "--clipboard", "x.txt"]);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("cannot be used with"),
        "{}",
        stderr(&output)
    );
}
