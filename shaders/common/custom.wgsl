// The interface of a project's own shader (`type = "shader"` in chain.toml). It is added to
// your file automatically; you write
//
//     fn shade(uv: vec2<f32>) -> vec4<f32> { ... }
//
// returning the colour of the output pixel at `uv` (texture space: (0,0) top-left, y down;
// `user_uv(uv)` gives (0,0) bottom-left, y up), premultiplied RGBA. Optionally declare
//
//     struct Params {
//         amount: f32,      // default=0.1 range=0..1 How far pixels move
//         tint: vec4<f32>,  // default=[1,1,1,1] color
//     }
//
// and its fields become the operator's parameters (settable in chain.toml and with --set,
// animatable with expressions), read here as `params.amount`. Types: f32, i32, u32,
// vec2/3/4<f32>. The comment after a field may give `default=`, `range=lo..hi`, `color`
// (a vec3/vec4 colour) and a description.
//
// Provided:
//   vivid.resolution  output size in pixels (vec2<f32>)
//   vivid.time        seconds (f32)
//   vivid.frame       frame index (f32)
//   samp              linear sampler, clamped at the edges
//   input0..input3    the operator's inputs (unconnected ones are transparent black)
//   params            your Params struct (if you declare one)
#import "common/operator.wgsl"

@group(0) @binding(0) var<uniform> vivid: FrameHeader;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var input0: texture_2d<f32>;
@group(0) @binding(3) var input1: texture_2d<f32>;
@group(0) @binding(4) var input2: texture_2d<f32>;
@group(0) @binding(5) var input3: texture_2d<f32>;
