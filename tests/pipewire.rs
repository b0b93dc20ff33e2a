//! `--pipewire NAME`, round trip: a private PipeWire daemon (and its session manager, in a
//! private D-Bus session and runtime folder), vivid publishing a solid colour, and
//! GStreamer's `pipewiresrc` reading a frame of it into a PNG — the colour the chain asked
//! for, known without vivid. Skipped, saying so, only where PipeWire is not installed
//! (`scripts/check.sh` installs it).

#![allow(
    clippy::unwrap_used,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::path::Path;

mod common;

#[test]
fn a_consumer_reads_the_stream_vivid_publishes() {
    if let Some(skip) = common::pipewire::skip_reason(&[("gst-inspect-1.0", &["pipewiresrc"])]) {
        eprintln!("{skip}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("project");
    std::fs::create_dir(&project).unwrap();
    std::fs::write(
        project.join("chain.toml"),
        "output = \"s\"\n[s]\ntype = \"solid\"\nsize = [64, 48]\ncolor = [1.0, 0.5, 0.25]\n",
    )
    .unwrap();
    let got = dir.path().join("got.png");
    // One session: the daemon, the session manager, vivid publishing (until the consumer
    // has its frame), the consumer; everything it started is stopped before it ends.
    let body = format!(
        r#"
"{vivid}" "{project}" --headless --pipewire vivid-roundtrip --duration 60 > vivid.log 2>&1 &
V=$!
# vivid's node, once its device is up and its first frame went out.
for i in $(seq 60); do
    pw-cli ls Node 2>/dev/null | grep -q 'node.name = "vivid-roundtrip"' && break
    sleep 0.5
done
timeout 45 gst-launch-1.0 -q pipewiresrc target-object=vivid-roundtrip num-buffers=1 ! videoconvert ! video/x-raw,format=RGBA ! pngenc ! filesink location="{got}" > consumer.log 2>&1
C=$?
kill -TERM $V
wait $V
R=$?
echo "consumer=$C vivid=$R"
"#,
        vivid = env!("CARGO_BIN_EXE_vivid"),
        project = project.display(),
        got = got.display(),
    );
    let said = common::pipewire::in_private_daemon(dir.path(), &body);
    let log = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    let context = format!(
        "{said}\nvivid: {}\nconsumer: {}\npipewire: {}",
        log("vivid.log"),
        log("consumer.log"),
        log("pipewire.log")
    );
    assert!(said.contains("consumer=0 vivid=0"), "{context}");
    assert!(
        log("vivid.log").contains("publishing the PipeWire video stream `vivid-roundtrip`"),
        "{context}"
    );
    // Built with `pipewire` (the default), the stream's buffers are the export pool's
    // memfds on this software driver: no copies, and frames went out that way.
    #[cfg(feature = "pipewire")]
    {
        let vivid = log("vivid.log");
        assert!(
            vivid.contains("no copies: its buffers are the export pool's"),
            "{context}"
        );
        assert!(
            !vivid.contains("streamed 0 frames") && vivid.contains("frames without copies"),
            "{context}"
        );
    }
    let image = image::open(Path::new(&got)).unwrap().to_rgba8();
    assert_eq!(image.dimensions(), (64, 48));
    // [1.0, 0.5, 0.25] in 8 bits: 255, 128 (127.5 rounded half up), 64 (63.75).
    for (x, y) in [(0, 0), (31, 20), (63, 47)] {
        assert_eq!(
            image.get_pixel(x, y).0,
            [255, 128, 64, 255],
            "pixel ({x}, {y})"
        );
    }
}
