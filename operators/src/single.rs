//! `Single`: the shape shared by operators that are one fullscreen pass over their inputs —
//! they only say how to pack their uniforms.

use std::marker::PhantomData;

use vivid_engine::Result;
use vivid_engine::fullscreen::FullscreenPass;
use vivid_engine::fusion::Pointwise;
use vivid_engine::operator::{
    Category, EncodeCx, InputSpec, Operator, OperatorType, PrepareCx, UniformCx,
};
use vivid_engine::params::{ParamStruct, ParamValues};
use vivid_engine::resources::{SamplerKind, UniformSlot, UniformWriter};

/// An operator that is one fullscreen pass of `shaders/<NAME>.wgsl` over its inputs.
pub trait SinglePass: Send + 'static {
    /// The `type` string.
    const NAME: &'static str;
    /// The WGSL file.
    const SHADER: &'static str;
    /// Group.
    const CATEGORY: Category;
    /// One sentence.
    const SUMMARY: &'static str;
    /// Inputs accepted.
    const INPUTS: InputSpec;
    /// The parameter struct.
    type Params: ParamStruct;
    /// The uniform struct (must match the shader's).
    type Uniforms: bytemuck::Pod;
    /// This frame's uniforms.
    fn uniforms(cx: &UniformCx<'_>, params: &Self::Params) -> Self::Uniforms;
    /// The sampler the inputs are read with.
    fn sampler(_params: &Self::Params) -> SamplerKind {
        SamplerKind::LinearClamp
    }
    /// For a pointwise operator (one input, each output pixel from the same input pixel):
    /// the function in [`SHADER`](Self::SHADER), `fn <POINT>(c: vec4<f32>, p: <struct>)
    /// -> vec4<f32>`, and its uniform struct's name. The file then holds only those, and
    /// the engine generates the pass, fusing it with its pointwise neighbours
    /// ([`vivid_engine::fusion`]). Its sampler must be the default.
    const POINT: Option<(&'static str, &'static str)> = None;
}

/// The [`Pointwise`] facts of `T`, if it is pointwise.
const fn pointwise<T: SinglePass>() -> Option<Pointwise> {
    match T::POINT {
        Some((function, uniforms)) => Some(Pointwise {
            shader: T::SHADER,
            function,
            uniforms,
            uniform_size: size_of::<T::Uniforms>(),
        }),
        None => None,
    }
}

/// The [`Operator`] of a [`SinglePass`].
#[derive(Debug)]
pub struct Single<T> {
    pass: FullscreenPass,
    slot: UniformSlot,
    _kind: PhantomData<fn() -> T>,
}

impl<T: SinglePass> Default for Single<T> {
    fn default() -> Self {
        Self {
            pass: match pointwise::<T>() {
                Some(p) => FullscreenPass::new(p.pass_name(), size_of::<T::Uniforms>()),
                None => FullscreenPass::new(T::SHADER, size_of::<T::Uniforms>()),
            },
            slot: UniformSlot::default(),
            _kind: PhantomData,
        }
    }
}

impl<T: SinglePass> Operator for Single<T> {
    fn write_uniforms(&mut self, cx: &UniformCx<'_>, out: &mut UniformWriter<'_>) {
        let params = cx.params::<T::Params>();
        self.slot = out.push(&T::uniforms(cx, &params));
    }

    fn prepare(&mut self, cx: &mut PrepareCx<'_>) -> Result<()> {
        let sampler = T::sampler(&T::Params::read(cx.params));
        let (inputs, output) = (cx.inputs, cx.output);
        self.pass.prepare(cx, inputs, output, sampler)
    }

    fn encode(&mut self, cx: &mut EncodeCx<'_>) {
        self.pass.dispatch(cx.encoder, self.slot, cx.name);
    }

    fn prepare_key(&self, params: &ParamValues, _animated: &[bool]) -> u64 {
        T::sampler(&T::Params::read(params)).key()
    }
}

impl<T: SinglePass> OperatorType for Single<T> {
    const NAME: &'static str = T::NAME;
    const CATEGORY: Category = T::CATEGORY;
    const SUMMARY: &'static str = T::SUMMARY;
    const INPUTS: InputSpec = T::INPUTS;
    type Params = T::Params;
    const POINTWISE: Option<Pointwise> = pointwise::<T>();
}
