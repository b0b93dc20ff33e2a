//! `--pipewire` without copies, end to end in a private PipeWire daemon (the harness of
//! `tests/pipewire.rs`): vivid's export pool published as a stream
//! (`vivid::dmabuf::pipewire`), read by a consumer written here with the `pipewire` crate
//! (an Input stream mapping the buffers it receives). It checks
//! (a) the pixels are the colour the chain asked for (known without vivid), at the size
//!     asked, before and after a resize (which renegotiates and replaces the buffers),
//! (b) every buffer's memory is one of the pool's slots — the received fd's (device,
//!     inode) is a slot fd's, and its data type is memfd/DMA-BUF, not a copy,
//! (c) steady frames while publishing create no wgpu object,
//! (d) frames come again after the consumer held buffers a while;
//! and, run again with `copy` (what a consumer without DMA-BUF support gets from a
//! DMA-BUF pool), the same pixels from memfds of the stream's own, none of them a slot.
//!
//! The daemon needs its own runtime folder and D-Bus session, so the test runs itself
//! again inside them (`child`, ignored unless `VIVID_PW_CHILD` is set). Skipped, saying
//! so, where PipeWire is not installed (`scripts/check.sh` installs it) or the device's
//! memory cannot be shared (a GPU exporting opaque non-memfd fds).

#![cfg(target_os = "linux")]
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    reason = "tests: a failed unwrap is a failed test"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use vivid::{Engine, EngineOptions, Gpu, GpuOptions};
use vivid_dmabuf::pipewire::{self, Memory, PublishOptions, pw};
use vivid_dmabuf::{ExportOptions, export};

const NAME: &str = "vivid-zero-copy";
/// [1.0, 0.5, 0.25] in 8 bits: 255, 128 (127.5 rounded half up), 64 (63.75).
const COLOUR: [u8; 4] = [255, 128, 64, 255];
const CHAIN: &str = "output = \"s\"\n[s]\ntype = \"solid\"\ncolor = [1.0, 0.5, 0.25]\n";

mod common;

#[test]
fn a_consumer_maps_the_export_pool_s_slots_themselves() {
    if let Some(skip) = common::pipewire::skip_reason(&[]) {
        eprintln!("{skip}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let body = format!(
        r#"
VIVID_PW_CHILD=pool timeout 60 "{me}" --exact child --ignored --nocapture --test-threads 1 > child.log 2>&1
C=$?
VIVID_PW_CHILD=copy timeout 60 "{me}" --exact child --ignored --nocapture --test-threads 1 > copy.log 2>&1
K=$?
VIVID_PW_CHILD=dmabuf timeout 60 "{me}" --exact child --ignored --nocapture --test-threads 1 > dmabuf.log 2>&1
D=$?
echo "child=$C copy=$K dmabuf=$D"
"#,
        me = std::env::current_exe().unwrap().display(),
    );
    let said = common::pipewire::in_private_daemon(dir.path(), &body);
    let log = |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
    let child = log("child.log");
    let copy = log("copy.log");
    let dmabuf = log("dmabuf.log");
    let context = format!(
        "{said}\nchild: {child}\ncopy: {copy}\ndmabuf: {dmabuf}\npipewire: {}\nwireplumber: {}",
        log("pipewire.log"),
        log("wireplumber.log")
    );
    assert!(said.contains("child=0 copy=0 dmabuf=0"), "{context}");
    eprintln!("{child}\n{copy}\n{dmabuf}");
    if child.contains("SKIPPED") {
        return;
    }
    assert!(child.contains("CHECKED"), "{context}");
    assert!(copy.contains("CHECKED"), "{context}");
    assert!(dmabuf.contains("CHECKED"), "{context}");
}

/// A device made without external memory cannot lend its pool: `sharable` says so (the
/// CLI then publishes copies through GStreamer, saying why); with it, lavapipe's pool is
/// memfds whose header says where the memory begins. A bad stream name is refused too.
#[test]
fn a_device_without_external_memory_or_a_bad_name_is_refused_saying_why() {
    let plain = Gpu::headless(&GpuOptions::default()).unwrap();
    let why = pipewire::sharable(&plain).unwrap_err().to_string();
    assert!(why.contains("without external memory"), "{why}");
    let gpu = Gpu::headless(&GpuOptions {
        external_memory: true,
        ..GpuOptions::default()
    })
    .unwrap();
    let shared = pipewire::sharable(&gpu);
    eprintln!("{}: {shared:?}", gpu.describe());
    if gpu.describe().contains("llvmpipe") {
        assert_eq!(shared.unwrap(), Memory::MemFd);
    }
    // A name PipeWire would choke on is refused before any thread or connection.
    let (_tap, handle) = export(ExportOptions::default());
    for name in ["", "a b", "nul\0", "quote\""] {
        let e = pipewire::publish(
            &handle,
            PublishOptions {
                name: name.into(),
                memory: Memory::MemFd,
                max_fps: 60,
                copy: false,
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("stream name"), "{name:?}: {e}");
    }
}

/// What the consumer saw in one buffer.
#[derive(Debug)]
struct Seen {
    size: (u32, u32),
    data_type: u32,
    identity: (u64, u64),
    /// The agreed format carries a DRM modifier.
    modifier: bool,
    first: Option<[u8; 4]>,
    last: Option<[u8; 4]>,
    /// The chunk: offset, stride, size.
    chunk: (u32, i32, u32),
}

/// How long the consumer keeps the buffers it is asked to hold.
const HOLD: Duration = Duration::from_millis(300);

/// The consumer: an Input stream targeting `NAME`, mapping its buffers, reporting each
/// one until told to stop (a message on `stop`). When `hold` is set, it keeps that many
/// buffers and gives them back [`HOLD`] later from a timer of its own loop, between graph
/// cycles (as a consumer that is done with a frame later does).
#[expect(
    unsafe_code,
    reason = "holding buffers across cycles takes the stream's raw buffer calls"
)]
fn consume(seen: mpsc::Sender<Seen>, stop: pw::channel::Receiver<()>, hold: Arc<AtomicUsize>) {
    pw::init();
    let mainloop = pw::main_loop::MainLoop::new(None).unwrap();
    let context = pw::context::Context::new(&mainloop).unwrap();
    let core = context.connect(None).unwrap();
    let stream = std::rc::Rc::new(
        pw::stream::Stream::new(
            &core,
            "vivid-test-consumer",
            pw::properties::properties! {
                *pw::keys::MEDIA_TYPE => "Video",
                *pw::keys::MEDIA_CATEGORY => "Capture",
                *pw::keys::TARGET_OBJECT => NAME,
            },
        )
        .unwrap(),
    );
    let size = std::rc::Rc::new(std::cell::Cell::new((0u32, 0u32, false)));
    let size_in = size.clone();
    let held = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let held_since = std::rc::Rc::new(std::cell::Cell::new(None));
    let (held_in, since_in) = (held.clone(), held_since.clone());
    let _listener = stream
        .add_local_listener_with_user_data(())
        .param_changed(move |_, (), id, pod| {
            let Some(pod) = pod else { return };
            if id != pw::spa::param::ParamType::Format.as_raw() {
                return;
            }
            let mut info = pw::spa::param::video::VideoInfoRaw::new();
            info.parse(pod).unwrap();
            let modifier = info
                .flags()
                .contains(pw::spa::param::video::VideoFlags::MODIFIER);
            size_in.set((info.size().width, info.size().height, modifier));
        })
        .process(move |stream, ()| {
            if hold.load(Ordering::SeqCst) > 0 {
                // SAFETY: a plain call on this stream, on its thread; a null result is
                // none to take.
                let raw = unsafe { stream.dequeue_raw_buffer() };
                if !raw.is_null() {
                    hold.fetch_sub(1, Ordering::SeqCst);
                    held_in.borrow_mut().push(raw);
                    since_in.set(Some(Instant::now()));
                }
                return;
            }
            let Some(mut buffer) = stream.dequeue_buffer() else {
                return;
            };
            let (w, h, modifier) = size.get();
            let data = &mut buffer.datas_mut()[0];
            let raw = *data.as_raw();
            let chunk = *data.chunk().as_raw();
            // The received fd: the consumer's own, naming the memory vivid's slot is.
            let identity = std::fs::metadata(format!("/proc/self/fd/{}", raw.fd))
                .map(|m| {
                    use std::os::unix::fs::MetadataExt as _;
                    (m.dev(), m.ino())
                })
                .unwrap_or_default();
            // PipeWire maps memfds for a MAP_BUFFERS consumer, not DMA-BUFs (their
            // consumers import them): pixels only where there is a mapping.
            let bytes = data.data().map(|b| &*b);
            let at = |x: u32, y: u32| -> Option<[u8; 4]> {
                let i = chunk.offset as usize + y as usize * chunk.stride as usize + x as usize * 4;
                bytes?.get(i..i + 4).map(|p| p.try_into().unwrap())
            };
            if w == 0 || chunk.size < chunk.stride as u32 * h {
                return;
            }
            let _ = seen.send(Seen {
                size: (w, h),
                data_type: raw.type_,
                identity,
                modifier,
                first: at(0, 0),
                last: at(w - 1, h - 1),
                chunk: (chunk.offset, chunk.stride, chunk.size),
            });
        })
        .register()
        .unwrap();
    // Raw RGBA video of any size and rate: first as DMA-BUFs (the LINEAR modifier, left
    // to the producer to fix, as PipeWire's DMA-BUF consumers offer it), then plain.
    let id = |key: pw::spa::param::format::FormatProperties, v: u32| {
        pw::spa::pod::Property::new(key.as_raw(), pw::spa::pod::Value::Id(pw::spa::utils::Id(v)))
    };
    let format = |modifier: bool| {
        let mut properties = vec![
            id(
                pw::spa::param::format::FormatProperties::MediaType,
                pw::spa::param::format::MediaType::Video.as_raw(),
            ),
            id(
                pw::spa::param::format::FormatProperties::MediaSubtype,
                pw::spa::param::format::MediaSubtype::Raw.as_raw(),
            ),
            id(
                pw::spa::param::format::FormatProperties::VideoFormat,
                pw::spa::param::video::VideoFormat::RGBA.as_raw(),
            ),
        ];
        if modifier {
            properties.push(pw::spa::pod::Property {
                key: pw::spa::param::format::FormatProperties::VideoModifier.as_raw(),
                flags: pw::spa::pod::PropertyFlags::MANDATORY
                    | pw::spa::pod::PropertyFlags::DONT_FIXATE,
                value: pw::spa::pod::Value::Choice(pw::spa::pod::ChoiceValue::Long(
                    pw::spa::utils::Choice(
                        pw::spa::utils::ChoiceFlags::empty(),
                        pw::spa::utils::ChoiceEnum::Enum {
                            default: 0,
                            alternatives: vec![0],
                        },
                    ),
                )),
            });
        }
        pw::spa::pod::serialize::PodSerializer::serialize(
            std::io::Cursor::new(Vec::new()),
            &pw::spa::pod::Value::Object(pw::spa::pod::Object {
                type_: pw::spa::utils::SpaTypes::ObjectParamFormat.as_raw(),
                id: pw::spa::param::ParamType::EnumFormat.as_raw(),
                properties,
            }),
        )
        .unwrap()
        .0
        .into_inner()
    };
    let (with, plain) = (format(true), format(false));
    let mut params = [
        pw::spa::pod::Pod::from_bytes(&with).unwrap(),
        pw::spa::pod::Pod::from_bytes(&plain).unwrap(),
    ];
    stream
        .connect(
            pw::spa::utils::Direction::Input,
            None,
            pw::stream::StreamFlags::AUTOCONNECT | pw::stream::StreamFlags::MAP_BUFFERS,
            &mut params,
        )
        .unwrap();
    let weak = mainloop.downgrade();
    let give_back = {
        let stream = stream.clone();
        mainloop.loop_().add_timer(move |_| {
            if held_since
                .get()
                .is_some_and(|t: Instant| t.elapsed() >= HOLD)
            {
                for raw in held.borrow_mut().drain(..) {
                    // SAFETY: `raw` was dequeued from this stream on this thread (its
                    // process callback) and not queued since; the stream is alive.
                    unsafe { stream.queue_raw_buffer(raw) };
                }
                held_since.set(None);
            }
        })
    };
    let tick = Duration::from_millis(20);
    give_back
        .update_timer(Some(tick), Some(tick))
        .into_result()
        .unwrap();
    let _stop = stop.attach(mainloop.loop_(), move |()| {
        if let Some(l) = weak.upgrade() {
            l.quit();
        }
    });
    mainloop.run();
}

/// Renders until the consumer has seen `want` frames of `size` (at most 20 s), returning
/// them; frames of another size (before a resize is through) are passed over.
fn frames_of(
    publisher: &pipewire::Publisher,
    engine: &mut Engine,
    k: &mut u64,
    seen: &mpsc::Receiver<Seen>,
    size: (u32, u32),
    want: usize,
) -> Vec<Seen> {
    let start = Instant::now();
    let mut got = Vec::new();
    while got.len() < want {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "{} of {want} frames of {size:?} in 20 s: {:?}, {:?}",
            got.len(),
            publisher.stats(),
            publisher.error()
        );
        common::frame(engine, *k, false);
        *k += 1;
        while let Ok(s) = seen.recv_timeout(Duration::from_millis(5)) {
            if s.size == size {
                got.push(s);
            }
        }
    }
    got
}

#[test]
#[ignore = "run by a_consumer_maps_the_export_pool_s_slots_themselves inside its private daemon"]
fn child() {
    // `pool`: the stream's buffers are the pool's slots; `copy`: the stream copies each
    // frame into memfds of its own (what a consumer without DMA-BUF support gets);
    // `dmabuf`: the pool's memfds announced as DMA-BUFs — no DMA-BUF can exist here, and
    // PipeWire passes fds on without looking at them, so this runs the DMA-BUF
    // negotiation for real (the modifier offered, left to vivid, fixed; `SPA_DATA_DmaBuf`
    // buffers that are the slots), everything but the pixels (a memfd of Mesa's starts
    // with its header, where a DMA-BUF starts with the image).
    let Some(mode) = std::env::var_os("VIVID_PW_CHILD") else {
        return;
    };
    let copy = mode == "copy";
    let dmabuf = mode == "dmabuf";
    let gpu = Gpu::headless(&GpuOptions {
        external_memory: true,
        ..GpuOptions::default()
    })
    .unwrap();
    let memory = match pipewire::sharable(&gpu) {
        Ok(_) if dmabuf => Memory::DmaBuf,
        Ok(m) => m,
        Err(why) => {
            assert!(
                !gpu.describe().contains("llvmpipe"),
                "lavapipe's pool is memfds: {why}"
            );
            println!("SKIPPED: {why}");
            return;
        }
    };
    let mut engine = Engine::new(
        gpu,
        vivid::builtin_registry(),
        EngineOptions {
            monitor_interval: None,
            monitor_print: false,
            ..Default::default()
        },
    );
    engine.set_output_size(Some([64, 48])).unwrap();
    engine
        .set_chain(&vivid::project::parse_chain(
            std::path::Path::new("chain.toml"),
            CHAIN,
        ))
        .unwrap();
    let (tap, handle) = export(ExportOptions {
        format: vivid::wgpu::TextureFormat::Rgba8Unorm,
        slots: 4,
    });
    engine.set_output_tap(Some(Box::new(tap)));
    let publisher = pipewire::publish(
        &handle,
        PublishOptions {
            name: NAME.into(),
            memory,
            max_fps: 60,
            copy,
        },
    )
    .unwrap();
    let (seen_tx, seen) = mpsc::channel();
    let (stop, stop_rx) = pw::channel::channel();
    let hold = Arc::new(AtomicUsize::new(0));
    let consumer = {
        let hold = hold.clone();
        std::thread::spawn(move || consume(seen_tx, stop_rx, hold))
    };
    let mut k = 0;
    let slots = |handle: &vivid_dmabuf::ExportHandle| -> Vec<(u64, u64)> {
        let pool = handle.pool().unwrap().unwrap();
        pool.slots
            .iter()
            .map(|s| pipewire::identity(&s.fd).unwrap())
            .collect()
    };
    let check = |frames: &[Seen], slots: &[(u64, u64)], what: &str| {
        for s in frames {
            if !dmabuf {
                assert_eq!(s.first, Some(COLOUR), "{what}: first pixel of {s:?}");
                assert_eq!(s.last, Some(COLOUR), "{what}: last pixel of {s:?}");
            }
            assert_eq!(s.modifier, dmabuf, "{what}: the agreed format of {s:?}");
            let (data_type, from_pool) = if copy {
                (pw::spa::sys::SPA_DATA_MemFd, false)
            } else {
                (memory.data_type(), true)
            };
            assert_eq!(s.data_type, data_type, "{what}: {s:?}");
            assert_eq!(
                slots.contains(&s.identity),
                from_pool,
                "{what}: {s:?} against the pool's slots {slots:?}"
            );
            let (w, h) = s.size;
            assert!(s.chunk.1 >= w as i32 * 4, "{what}: stride of {s:?}");
            assert_eq!(s.chunk.2, s.chunk.1 as u32 * h, "{what}: size of {s:?}");
        }
    };
    // Streaming established: the pool and the stream's buffers exist.
    let first = frames_of(&publisher, &mut engine, &mut k, &seen, (64, 48), 3);
    let pool = slots(&handle);
    check(&first, &pool, "64x48");
    if !copy {
        let mut identities = publisher.identities();
        identities.sort_unstable();
        let mut sorted = pool.clone();
        sorted.sort_unstable();
        assert_eq!(identities, sorted, "one buffer per slot");
    }
    // (c) Steady frames while publishing: nothing made.
    let before = engine.gpu().counts().snapshot();
    let wgpu_before = engine.gpu().wgpu_counters();
    let steady = frames_of(&publisher, &mut engine, &mut k, &seen, (64, 48), 10);
    check(&steady, &pool, "steady");
    assert_eq!(
        engine.gpu().counts().snapshot().created,
        before.created,
        "objects made in steady frames"
    );
    assert_eq!(
        format!("{wgpu_before:?}"),
        format!("{:?}", engine.gpu().wgpu_counters())
    );
    // (d) A consumer holding two buffers a while and giving them back between graph cycles,
    // as a slow one does: frames come again. (A driver's buffers come home only in a
    // cycle; the stream once ran cycles only for new frames and could stall for good —
    // found with a consumer holding buffers for a second, a race this test does not
    // reproduce every time.)
    hold.store(2, Ordering::SeqCst);
    let after = frames_of(&publisher, &mut engine, &mut k, &seen, (64, 48), 12);
    assert_eq!(
        hold.load(Ordering::SeqCst),
        0,
        "the consumer took two buffers to hold"
    );
    check(&after, &pool, "after a hold");
    // A resize: a new pool, a new format, new buffers — the new slots, the new size.
    engine.set_output_size(Some([32, 24])).unwrap();
    let resized = frames_of(&publisher, &mut engine, &mut k, &seen, (32, 24), 3);
    let pool2 = slots(&handle);
    check(&resized, &pool2, "32x24");
    let stats = publisher.stats();
    assert!(stats.streamed >= 16, "{stats:?}");
    assert!(stats.formats >= 2, "{stats:?}");
    assert_eq!(
        stats.copied,
        if copy { stats.streamed } else { 0 },
        "{stats:?}"
    );
    assert_eq!(publisher.error(), None);
    stop.send(()).unwrap();
    consumer.join().unwrap();
    drop(publisher);
    println!("CHECKED: {stats:?}; export {:?}", handle.stats());
}
