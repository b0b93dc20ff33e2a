//! Cameras: a V4L2 device found by path (`/dev/video0`), by its number in the list
//! `vivid devices` prints (`0`), or by a part of its name (`"C920"`); the mode closest to
//! the size, rate and format asked for, chosen from what the device says it supports; and
//! the launch string that plays it (`v4l2src ! caps ! decodebin`, to which the live source
//! adds its converter and sink).

use std::fmt::Write as _;

use gstreamer as gst;
use gstreamer::glib::SendValue;
use gstreamer::prelude::*;

use crate::frame::Format;
use crate::gst::make;

vivid_engine::choice_enum! {
    /// The pixel format asked of a camera.
    pub enum CameraFormat {
        /// Whatever mode is closest in size and rate.
        Any = "any",
        /// Uncompressed (YUYV, NV12…): no decoding, but USB cameras give less rate at large
        /// sizes.
        Raw = "raw",
        /// Motion JPEG: large sizes at full rate on USB, decoded on the CPU.
        Mjpeg = "mjpeg",
    }
}

/// What a `video_in` asks for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CameraRequest {
    /// A path, a number, a part of a name, or empty (the first camera).
    pub device: String,
    /// Width asked for (0: the camera's choice).
    pub width: u32,
    /// Height asked for (0: the camera's choice).
    pub height: u32,
    /// Frames per second asked for, in thousandths (0: the camera's choice).
    pub millifps: u32,
    /// Pixel format asked for.
    pub format: CameraFormat,
}

impl CameraRequest {
    /// What it is, in messages.
    #[must_use]
    pub fn describe(&self) -> String {
        if self.device.is_empty() {
            "camera (the first one)".into()
        } else {
            format!("camera `{}`", self.device)
        }
    }

    fn fps(&self) -> f64 {
        f64::from(self.millifps) / 1000.0
    }
}

/// A camera found by `vivid devices` or a `video_in` operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CameraInfo {
    /// Its name.
    pub name: String,
    /// Its device node (`/dev/video0`), if GStreamer says.
    pub path: Option<String>,
    /// Its modes, one line each (`YUY2 640x480 @ 30/1`).
    pub modes: Vec<String>,
}

/// The cameras GStreamer's device monitor sees (`Video/Source`), in its order.
pub fn cameras() -> Result<Vec<CameraInfo>, String> {
    crate::gst::init()?;
    let monitor = gst::DeviceMonitor::new();
    monitor.add_filter(Some("Video/Source"), None);
    monitor
        .start()
        .map_err(|e| format!("cannot list the cameras ({e})"))?;
    let list = monitor
        .devices()
        .into_iter()
        .map(|d| {
            let path = d.properties().and_then(|p| {
                ["device.path", "api.v4l2.path", "object.path"]
                    .iter()
                    .find_map(|k| p.get::<String>(*k).ok())
                    .filter(|p| p.starts_with('/'))
            });
            let modes = d
                .caps()
                .map(|c| modes_of(&c).iter().map(Mode::describe).collect())
                .unwrap_or_default();
            CameraInfo {
                name: d.display_name().to_string(),
                path,
                modes,
            }
        })
        .collect();
    monitor.stop();
    Ok(list)
}

/// The device node of `device` (empty: the first camera).
fn resolve(device: &str) -> Result<String, String> {
    if device.starts_with('/') {
        return Ok(device.to_string());
    }
    let all = cameras()?;
    let found = if device.is_empty() {
        all.first()
    } else if let Ok(i) = device.parse::<usize>() {
        all.get(i)
    } else {
        // A name may be listed twice (V4L2 and PipeWire): the one with a device node.
        let d = device.to_lowercase();
        let named = |c: &&CameraInfo| c.name.to_lowercase().contains(&d);
        all.iter()
            .filter(named)
            .find(|c| c.path.is_some())
            .or_else(|| all.iter().find(named))
    };
    let names = || {
        if all.is_empty() {
            "no camera is connected".to_string()
        } else {
            let mut s = "there are: ".to_string();
            for (i, c) in all.iter().enumerate() {
                let _ = write!(s, "{}{i} `{}`", if i > 0 { ", " } else { "" }, c.name);
            }
            s
        }
    };
    let camera =
        found.ok_or_else(|| format!("no such camera ({}; see `vivid devices`)", names()))?;
    camera
        .path
        .clone()
        .ok_or_else(|| format!("camera `{}` has no V4L2 device node", camera.name))
}

/// One mode of a camera.
#[derive(Clone, Debug, PartialEq)]
pub struct Mode {
    /// `video/x-raw` or `image/jpeg`.
    pub media: String,
    /// The raw pixel format (`YUY2`), if raw.
    pub format: Option<String>,
    /// Width.
    pub width: i32,
    /// Height.
    pub height: i32,
    /// Frames per second as a fraction (0/1: unknown).
    pub fps: (i32, i32),
}

impl Mode {
    /// `YUY2 640x480 @ 30 fps`.
    #[must_use]
    pub fn describe(&self) -> String {
        let what = match (&self.format, self.media.as_str()) {
            (Some(f), _) => f.clone(),
            (None, "image/jpeg") => "MJPEG".into(),
            (None, m) => m.to_string(),
        };
        let rate = if self.fps.0 > 0 && self.fps.1 > 0 {
            format!(
                " @ {} fps",
                trim(f64::from(self.fps.0) / f64::from(self.fps.1))
            )
        } else {
            String::new()
        };
        format!("{what} {}x{}{rate}", self.width, self.height)
    }

    fn caps(&self) -> String {
        let mut c = self.media.clone();
        if let Some(f) = &self.format {
            let _ = write!(c, ",format={f}");
        }
        let _ = write!(c, ",width={},height={}", self.width, self.height);
        if self.fps.0 > 0 {
            let _ = write!(c, ",framerate={}/{}", self.fps.0, self.fps.1);
        }
        c
    }

    fn fps_f64(&self) -> f64 {
        if self.fps.1 > 0 {
            f64::from(self.fps.0) / f64::from(self.fps.1)
        } else {
            0.0
        }
    }
}

/// A number without trailing zeros (`30`, `29.97`).
fn trim(x: f64) -> String {
    let s = format!("{x:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// The values a caps field may take: each of a list, the one of a number, a range
/// clamped to `want` (its largest when nothing is wanted).
fn ints(v: &SendValue, want: i32) -> Vec<i32> {
    if let Ok(i) = v.get::<i32>() {
        return vec![i];
    }
    if let Ok(r) = v.get::<gst::IntRange<i32>>() {
        return vec![if want > 0 {
            want.clamp(r.min(), r.max())
        } else {
            r.max()
        }];
    }
    if let Ok(l) = v.get::<gst::List>() {
        return l.iter().flat_map(|v| ints(v, want)).collect();
    }
    Vec::new()
}

fn fractions(v: &SendValue, want: f64) -> Vec<(i32, i32)> {
    if let Ok(f) = v.get::<gst::Fraction>() {
        return vec![(f.numer(), f.denom())];
    }
    if let Ok(r) = v.get::<gst::FractionRange>() {
        let (lo, hi) = (r.min(), r.max());
        let to_f = |f: gst::Fraction| f64::from(f.numer()) / f64::from(f.denom().max(1));
        let pick = if want > 0.0 {
            want.clamp(to_f(lo), to_f(hi))
        } else {
            to_f(hi)
        };
        return vec![((pick * 1000.0).round() as i32, 1000)];
    }
    if let Ok(l) = v.get::<gst::List>() {
        return l.iter().flat_map(|v| fractions(v, want)).collect();
    }
    Vec::new()
}

fn strings(v: &SendValue) -> Vec<String> {
    if let Ok(s) = v.get::<String>() {
        return vec![s];
    }
    if let Ok(l) = v.get::<gst::List>() {
        return l.iter().flat_map(strings).collect();
    }
    Vec::new()
}

/// Every mode of `caps` (as a camera reports them), ranges clamped to what `want` asks.
fn modes_wanted(caps: &gst::Caps, want: &CameraRequest) -> Vec<Mode> {
    let mut out = Vec::new();
    for s in caps.iter() {
        let media = s.name().to_string();
        if media != "video/x-raw" && media != "image/jpeg" {
            continue;
        }
        let formats: Vec<Option<String>> = match s.value("format") {
            Ok(v) if media == "video/x-raw" => strings(v).into_iter().map(Some).collect(),
            _ => vec![None],
        };
        let widths = s
            .value("width")
            .map(|v| ints(v, want.width as i32))
            .unwrap_or_default();
        let heights = s
            .value("height")
            .map(|v| ints(v, want.height as i32))
            .unwrap_or_default();
        let rates = s
            .value("framerate")
            .map_or_else(|_| vec![(0, 1)], |v| fractions(v, want.fps()));
        for f in &formats {
            for (&w, &h) in widths.iter().zip(heights.iter().cycle()) {
                for &r in &rates {
                    out.push(Mode {
                        media: media.clone(),
                        format: f.clone(),
                        width: w,
                        height: h,
                        fps: r,
                    });
                }
            }
        }
    }
    out
}

/// Every mode of `caps`, ranges at their largest.
#[must_use]
pub fn modes_of(caps: &gst::Caps) -> Vec<Mode> {
    modes_wanted(
        caps,
        &CameraRequest {
            device: String::new(),
            width: 0,
            height: 0,
            millifps: 0,
            format: CameraFormat::Any,
        },
    )
}

/// The mode of `caps` closest to `want`: the format asked for first, then the size
/// (distance in pixels of width and height; without a size asked, the largest), then the
/// rate (without a rate asked, the highest); uncompressed before MJPEG when all else ties.
#[must_use]
pub fn closest(caps: &gst::Caps, want: &CameraRequest) -> Option<Mode> {
    let key = |m: &Mode| {
        let format_miss = match want.format {
            CameraFormat::Any => 0,
            CameraFormat::Raw => u8::from(m.media != "video/x-raw"),
            CameraFormat::Mjpeg => u8::from(m.media != "image/jpeg"),
        };
        let size = if want.width > 0 || want.height > 0 {
            let dw = if want.width > 0 {
                (i64::from(m.width) - i64::from(want.width)).abs()
            } else {
                0
            };
            let dh = if want.height > 0 {
                (i64::from(m.height) - i64::from(want.height)).abs()
            } else {
                0
            };
            dw + dh
        } else {
            -(i64::from(m.width) * i64::from(m.height))
        };
        let rate = if want.millifps > 0 {
            ((m.fps_f64() - want.fps()).abs() * 1000.0).round() as i64
        } else {
            -((m.fps_f64() * 1000.0).round() as i64)
        };
        (format_miss, size, rate, u8::from(m.media == "image/jpeg"))
    };
    modes_wanted(caps, want).into_iter().min_by_key(key)
}

/// A camera's mode as chosen, and what was asked: reported once the camera plays.
#[derive(Clone, Debug)]
pub struct Chosen {
    /// The launch string that plays it.
    pub launch: String,
    /// The request.
    pub want: CameraRequest,
    /// The device node.
    pub path: String,
    /// The mode chosen (none: the camera's own choice).
    pub mode: Option<Mode>,
}

impl Chosen {
    /// Logs the mode the camera plays in (a warning when it is not what was asked).
    pub fn report(&self, format: Option<&Format>) {
        let got = self.mode.as_ref().map_or_else(
            || format.map_or_else(|| "?".into(), Format::describe),
            Mode::describe,
        );
        let w = &self.want;
        let mut asked = String::new();
        if w.width > 0 || w.height > 0 {
            let _ = write!(asked, "{}x{}", w.width, w.height);
        }
        if w.millifps > 0 {
            let _ = write!(asked, " @ {} fps", trim(w.fps()));
        }
        if w.format != CameraFormat::Any {
            let _ = write!(asked, " {:?}", w.format);
        }
        let m = self.mode.as_ref();
        let exact = m.is_some_and(|m| {
            (w.width == 0 || m.width as u32 == w.width)
                && (w.height == 0 || m.height as u32 == w.height)
                && (w.millifps == 0 || (m.fps_f64() - w.fps()).abs() < 0.01)
        });
        if asked.trim().is_empty() || exact {
            log::info!("{} ({}): {got}", w.describe(), self.path);
        } else {
            log::warn!(
                "{} ({}): asked {}, the closest mode it has is {got}",
                w.describe(),
                self.path,
                asked.trim()
            );
        }
    }
}

/// Finds the camera, reads its modes, picks the closest one: the launch string to play.
pub fn choose(want: &CameraRequest) -> Result<Chosen, String> {
    crate::gst::init()?;
    let path = resolve(&want.device)?;
    if !std::path::Path::new(&path).exists() {
        return Err(format!("{path} is not there (unplugged?)"));
    }
    let asks =
        want.width > 0 || want.height > 0 || want.millifps > 0 || want.format != CameraFormat::Any;
    let mode = if asks {
        let caps = device_caps(&path)?;
        Some(
            closest(&caps, want)
                .ok_or_else(|| format!("{path} offers no video mode vivid reads"))?,
        )
    } else {
        None
    };
    let caps = mode
        .as_ref()
        .map_or(String::new(), |m| format!(" ! {}", m.caps()));
    // The path is quoted: a device node's name has no quote, but may have spaces.
    let launch = format!("v4l2src device=\"{path}\"{caps} ! decodebin");
    Ok(Chosen {
        launch,
        want: want.clone(),
        path,
        mode,
    })
}

/// The modes `path` supports, as `v4l2src` reports them once open.
fn device_caps(path: &str) -> Result<gst::Caps, String> {
    let src = make("v4l2src")?;
    src.set_property("device", path);
    src.set_state(gst::State::Ready)
        .map_err(|_| format!("cannot open {path}"))?;
    let caps = src
        .static_pad("src")
        .map(|p| p.query_caps(None))
        .ok_or("v4l2src has no source pad");
    let _ = src.set_state(gst::State::Null);
    caps.map_err(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a typical USB camera reports (a C920-like list).
    fn usb_camera() -> gst::Caps {
        crate::gst::init().unwrap();
        "video/x-raw, format=YUY2, width=640, height=480, framerate={ 30/1, 15/1 }; \
         video/x-raw, format=YUY2, width=1280, height=720, framerate=10/1; \
         image/jpeg, width=1280, height=720, framerate={ 60/1, 30/1 }; \
         image/jpeg, width=1920, height=1080, framerate=30/1"
            .parse()
            .unwrap()
    }

    fn want(width: u32, height: u32, fps: u32, format: CameraFormat) -> CameraRequest {
        CameraRequest {
            device: String::new(),
            width,
            height,
            millifps: fps * 1000,
            format,
        }
    }

    #[test]
    fn the_closest_mode_is_chosen() {
        let caps = usb_camera();
        let m = |w| closest(&caps, &w).unwrap().describe();
        // Exact.
        assert_eq!(
            m(want(640, 480, 30, CameraFormat::Any)),
            "YUY2 640x480 @ 30 fps"
        );
        // 720p at 60 only as MJPEG; at 10 raw first.
        assert_eq!(
            m(want(1280, 720, 60, CameraFormat::Any)),
            "MJPEG 1280x720 @ 60 fps"
        );
        assert_eq!(
            m(want(1280, 720, 10, CameraFormat::Any)),
            "YUY2 1280x720 @ 10 fps"
        );
        // Raw asked: the size first, then the nearest rate it has.
        assert_eq!(
            m(want(1280, 720, 60, CameraFormat::Raw)),
            "YUY2 1280x720 @ 10 fps"
        );
        // A size it lacks: the nearest (800x600 -> 640x480).
        assert_eq!(
            m(want(800, 600, 0, CameraFormat::Any)),
            "YUY2 640x480 @ 30 fps"
        );
        // Nothing but a rate: the largest size at that rate's nearest.
        assert_eq!(
            m(want(0, 0, 30, CameraFormat::Any)),
            "MJPEG 1920x1080 @ 30 fps"
        );
    }

    #[test]
    fn ranges_are_clamped_to_what_is_asked() {
        crate::gst::init().unwrap();
        let caps: gst::Caps = "video/x-raw, format=NV12, width=[ 16, 1920 ], height=[ 16, 1080 ], framerate=[ 1/1, 60/1 ]"
            .parse()
            .unwrap();
        let m = closest(&caps, &want(1280, 720, 25, CameraFormat::Any)).unwrap();
        assert_eq!((m.width, m.height, m.fps), (1280, 720, (25_000, 1000)));
        let m = closest(&caps, &want(4000, 3000, 120, CameraFormat::Any)).unwrap();
        assert_eq!((m.width, m.height, m.fps), (1920, 1080, (60_000, 1000)));
        assert!(
            closest(&caps, &want(0, 0, 0, CameraFormat::Mjpeg)).is_some(),
            "a miss is ranked, not refused"
        );
    }
}
