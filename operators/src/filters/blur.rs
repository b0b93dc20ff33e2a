//! `blur`: separable Gaussian blur, two passes (horizontal into a pooled texture, then
//! vertical into the output), both in the frame's one encoder.

use vivid_engine::Result;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::gpu::GpuTexture;
use vivid_engine::operator::{
    Category, EncodeCx, FrameHeader, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::resources::{SamplerKind, TextureKey, UniformSlot, UniformWriter};

vivid_engine::choice_enum! {
    /// Which directions to blur.
    pub enum Axes {
        /// Horizontal and vertical.
        Both = "both",
        /// Horizontal only.
        Horizontal = "horizontal",
        /// Vertical only.
        Vertical = "vertical",
    }
}

vivid_engine::params! {
    /// Parameters of `blur`.
    pub struct BlurParams {
        /// Gaussian standard deviation (sigma), in pixels of the output. 0: no blur.
        radius: f32 [0.0, 250.0] = 4.0,
        /// both, horizontal or vertical.
        axes: Axes = Axes::Both,
    }
}

/// The uniform block of the shader (same layout as its WGSL struct).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct BlurUniforms {
    header: FrameHeader,
    direction: [f32; 2],
    sigma: f32,
    half_width: u32,
}

/// `blur`.
#[derive(Debug)]
pub struct Blur {
    horizontal: FullscreenPass,
    vertical: FullscreenPass,
    temp: Option<GpuTexture>,
    slots: [UniformSlot; 2],
}

impl Default for Blur {
    fn default() -> Self {
        let size = size_of::<BlurUniforms>();
        Self {
            horizontal: FullscreenPass::new("blur.wgsl", size),
            vertical: FullscreenPass::new("blur.wgsl", size),
            temp: None,
            slots: [UniformSlot::default(); 2],
        }
    }
}

impl OperatorType for Blur {
    const NAME: &'static str = "blur";
    const CATEGORY: Category = Category::Filter;
    const SUMMARY: &'static str =
        "Separable Gaussian blur; radius is sigma in pixels, edges mirrored (keeps the mean).";
    const INPUTS: InputSpec = InputSpec::ONE;
    type Params = BlurParams;
}

impl Operator for Blur {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let p: BlurParams = cx.params();
        let sigma = p.radius.max(0.0);
        let half_width = (3.0 * sigma).ceil() as u32;
        let on = |enabled: bool| {
            if enabled {
                (sigma, half_width)
            } else {
                (0.0, 0)
            }
        };
        let (hs, hw) = on(p.axes != Axes::Vertical);
        let (vs, vw) = on(p.axes != Axes::Horizontal);
        self.slots[0] = out.push(&BlurUniforms {
            header: cx.header(),
            direction: [1.0, 0.0],
            sigma: hs,
            half_width: hw,
        });
        self.slots[1] = out.push(&BlurUniforms {
            header: cx.header(),
            direction: [0.0, 1.0],
            sigma: vs,
            half_width: vw,
        });
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let (w, h) = cx.output.size();
        // The temporary has the output's size; the first pass also resamples the input.
        let temp = match self.temp.take() {
            Some(t) if t.size() == (w, h) => t,
            other => {
                if let Some(t) = other {
                    cx.pool.release(t);
                }
                cx.pool
                    .acquire(cx.gpu, TextureKey::color(w, h), "vivid.blur.temp")
            }
        };
        let input = cx.inputs[0];
        let result = self
            .horizontal
            .prepare(cx, &[input], SamplerKind::LinearMirror)
            .and_then(|()| {
                self.vertical
                    .prepare(cx, &[&temp], SamplerKind::LinearMirror)
            });
        self.temp = Some(temp);
        result
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        let Some(temp) = &self.temp else { return };
        self.horizontal.draw(
            cx.encoder,
            &temp.view,
            self.slots[0],
            "vivid.blur.horizontal",
        );
        self.vertical.draw(
            cx.encoder,
            &cx.output.view,
            self.slots[1],
            "vivid.blur.vertical",
        );
    }
}
