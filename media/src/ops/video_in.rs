//! `video_in`: a V4L2 camera or capture card as a live source (`LiveOp`), by path, number or
//! name, at the mode closest to what is asked (`crate::camera`). (Not `camera`: that is
//! `render3d`'s scene camera.)

use super::Fit;
use super::live::{LiveClip, LiveOp};
use crate::camera::{CameraFormat, CameraRequest};
use crate::live::LiveSpec;

vivid_engine::params! {
    /// Parameters of `video_in`.
    pub struct CameraParams {
        /// The camera: a device node ("/dev/video0"), its number in `vivid devices`' list
        /// ("0"), or a part of its name ("C920"); empty: the first camera.
        device: String = String::new(),
        /// Width asked for (0: the camera's choice); the closest mode it has is used and
        /// logged.
        width: u32 [0, 16384] = 0,
        /// Height asked for (0: the camera's choice).
        height: u32 [0, 16384] = 0,
        /// Frames per second asked for (0: the camera's choice).
        fps: f32 [0.0, 1000.0] = 0.0,
        /// Pixel format asked for: any, raw (uncompressed) or mjpeg.
        format: CameraFormat = CameraFormat::Any,
        /// How the frame maps onto a `size` of another aspect: stretch, contain or cover.
        fit: Fit = Fit::Stretch,
        /// Upside down.
        flip_y: bool = false,
    }
}

impl LiveClip for CameraParams {
    const NAME: &'static str = "video_in";
    const SUMMARY: &'static str = "A camera or capture card (V4L2; by path, number or name) at the closest mode to the size, rate and format asked; unplugged: its last frame stays and it reconnects when it returns.";

    fn spec(&self) -> std::result::Result<LiveSpec, String> {
        Ok(LiveSpec::Camera(CameraRequest {
            device: self.device.trim().to_string(),
            width: self.width,
            height: self.height,
            millifps: (self.fps.max(0.0) * 1000.0).round() as u32,
            format: self.format,
        }))
    }

    fn fit(&self) -> Fit {
        self.fit
    }

    fn flip_y(&self) -> bool {
        self.flip_y
    }
}

/// `video_in`.
pub type VideoIn = LiveOp<CameraParams>;
