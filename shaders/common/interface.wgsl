// The interface of an operator written in WGSL: a built-in one (shaders/operators/*.wgsl) or
// a project's own (`type = "shader"` in chain.toml, `shader = "file.wgsl"`). It is added to
// the file automatically. The file defines
//
//     fn shade(uv: vec2<f32>) -> vec4<f32> { ... }
//
// returning the colour of the output pixel at `uv`, premultiplied RGBA. Or, for an operator
// whose output pixel depends only on the same pixel of its one input (front matter
// `//! pointwise`):
//
//     fn point(c: vec4<f32>, uv: vec2<f32>) -> vec4<f32> { ... }
//
// which gets that input pixel `c` (premultiplied) — vivid then fuses it with the pointwise
// operators next to it in the chain into one pass.
//
// Coordinates: `uv` is texture space at the pixel centre: (0,0) top-left, (1,1) bottom-right,
// y down — use it to sample. `user_uv(uv)` gives the space parameters are written in:
// (0,0) bottom-left, y up. `aspect(vivid)` is width / height.
//
// Parameters: declare
//
//     struct Params {
//         /// How far pixels move (a doc line above a field also works).
//         amount: f32,      // default=0.1 range=0..1 How far pixels move
//         tint: vec4<f32>,  // default=[1,1,1,1] color
//         mode: u32,        // choice=add|multiply default=add
//         invert: u32,      // bool default=false
//     }
//
// and its fields become the operator's parameters (chain.toml, --set, expressions, the
// inspector), read here as `params.amount`. Types: f32, i32, u32, vec2/3/4<f32>. The comment
// after a field starts with annotations — `default=`, `range=lo..hi`, `color` (a vec3/vec4
// colour, straight RGBA), `bool`, `choice=a|b|c` (the index is passed), `fixed` (not
// animatable), `alias=old` (a former name, still accepted with a hint), `when=mode:a|b`
// (it applies only when parameter `mode` is `a` or `b`: the inspector hides it otherwise;
// `mode` is a choice, a bool — `when=on:true` — or an integer), `group=Name` (the
// inspector's section) — and the rest of it is the description.
//
// Lists: a field `array<vec4<f32>, N>` is a parameter holding up to N elements, written in
// chain.toml as an array (each element, or each of its components, may be an expression):
//
//     stops: array<vec4<f32>, 8>,     // colors default=["#000000", "#ffffff"] Ramp colours.
//     positions: array<vec4<f32>, 8>, // floats range=0..1 default=[] Where each stop sits.
//     stop_count: u32,                // count=stops
//     position_count: u32,            // count=positions
//
//   `colors`   up to N colours (each as a `color`: [r, g, b], [r, g, b, a] or "#rrggbb"),
//              element i in `params.stops[i]` (straight RGBA);
//   `floats`   up to N numbers (`range=` applies to each), element i in `params.positions[i].x`;
//   `count=L`  on a u32/i32 field: not a parameter — vivid sets it to the number of elements
//              the list field L holds (elements past it are zero).
// In chain.toml: `stops = ["#000000", "#ff8800", [1, 1, 1]]`, `positions = [0, 0.3, 1]`.
//
// Front matter (optional for a project's shader): `//!` lines at the top of the file. The
// first paragraph is the one-line summary `vivid operators` shows; then
//     //! category: generator | filter | composite | temporal | custom
//     //! inputs: 0 | 1 | 0..4 | 1..8        (how many inputs it takes)
//     //! pointwise                          (defines `point` instead of `shade`)
//
// Provided:
//   vivid.resolution  output size in pixels (vec2<f32>)
//   vivid.time        seconds (f32)
//   vivid.frame       frame index (f32)
//   vivid.delta       seconds since the previous frame (f32)
//   vivid.inputs      inputs connected (u32)
//   samp              linear sampler, clamped at the edges
//   samp_repeat       linear sampler, repeating
//   samp_mirror       linear sampler, mirrored repeat
//   samp_nearest      nearest-texel sampler, clamped
//   input0..inputN    the operator's inputs, N from `inputs:` (unconnected: transparent black)
//   params            your Params struct (if you declare one)
// Use `textureSampleLevel(input0, samp, uv, 0.0)`: it is valid in compute and fragment passes
// (vivid runs a pass as either, whichever is faster on the GPU).
#import "common/operator.wgsl"

@group(0) @binding(0) var<uniform> vivid: FrameHeader;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(11) var samp_repeat: sampler;
@group(0) @binding(12) var samp_mirror: sampler;
@group(0) @binding(13) var samp_nearest: sampler;
