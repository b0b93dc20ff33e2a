// blur: the passes of a separable Gaussian (operators/src/filters/blur.rs has the plan and
// the variance bookkeeping). Every weight comes from the CPU; every pass is a convex
// combination, so a uniform image stays uniform and the mean is kept.
//
// Small radii (direct): one axis per pass. Render (CPU drivers): `mode` 0, the kernel as a
// centre weight and up to 8 pairs of taps, each pair one bilinear fetch at its weighted
// offset; the sampler mirrors at the edges. Compute (GPUs): `cs_taps_h`, `cs_taps_v`, the
// kernel's integer taps from a sliding window, 8 pixels an invocation.
//
// Larger radii (pyramid, factor f = 2^k per blurred axis): the image is averaged over f×f
// boxes (a "small" image, with an apron of `apron` texels on every side so that its edges
// see the mirrored image), blurred there with integer taps (`radius_x`, `radius_y`,
// weights_x/y), and brought back with a cubic B-spline (4×4 taps, whose variance is 1/3 of
// a small texel at every phase: the total variance is exact wherever a pixel falls; at
// factor 2, linear interpolation, whose variance is 3/16 at both phases).
//   Compute (GPUs): three passes, `cs_down_h` (boxes into shared memory, horizontal taps),
//   `cs_small_v` (the small image's vertical taps), `cs_up_linear` (factor 2: one bilinear
//   fetch a pixel) or `cs_up_bspline` (the B-spline as four bilinear fetches a pixel).
//   Render (CPU drivers): the same arithmetic as fragment passes: mode 1 (boxes), mode 2
//   (integer taps along `direction`), mode 2 again, mode 3 (the B-spline).
//
// What the H200 taught (docs/performance.md, "Blur and worley on the H200"): shared memory
// holds half floats; every fetch of a load phase is issued before any is stored; no arrays
// in registers (they went to local memory); few barriers, few idle invocations.
#import "common/operator.wgsl"

// Shared memory holds texels as half floats: what the Rgba16Float textures hold, so nothing is
// lost, in half the bytes of vec4<f32> (on the H200 tiles of vec4<f32> took 1.4–1.7 times
// as long: shared-memory traffic bounds these passes).
fn pk(v: vec4<f32>) -> vec2<u32> {
    return vec2<u32>(pack2x16float(v.xy), pack2x16float(v.zw));
}

fn up(p: vec2<u32>) -> vec4<f32> {
    return vec4<f32>(unpack2x16float(p.x), unpack2x16float(p.y));
}

struct Blur {
    header: FrameHeader,
    // (1, 0) horizontal or (0, 1) vertical (modes 0 and 2).
    direction: vec2<f32>,
    center: f32,
    pairs: u32,
    // (offset, weight, offset, weight): two pairs per vec4 (mode 0).
    taps: array<vec4<f32>, 4>,
    // 0 pairs, 1 boxes, 2 integer taps, 3 B-spline up.
    mode: u32,
    radius_x: u32,
    radius_y: u32,
    // Texels of the small image's texture around the small image itself.
    apron: u32,
    // Box or upsampling factor per axis.
    factor: vec2<u32>,
    // The small image's size, without the apron.
    small: vec2<u32>,
    // Integer-tap weights, centre first: weights_x[t / 4][t % 4] for |offset| t.
    weights_x: array<vec4<f32>, 5>,
    weights_y: array<vec4<f32>, 5>,
}

@group(0) @binding(0) var<uniform> u: Blur;
@group(0) @binding(1) var samp: sampler;
@group(0) @binding(2) var src: texture_2d<f32>;

fn wx(t: i32) -> f32 {
    return u.weights_x[t / 4][t % 4];
}

fn wy(t: i32) -> f32 {
    return u.weights_y[t / 4][t % 4];
}

// The mean of `src` over the box of small texel (i, j): f×f source pixels, read as
// (f/2)×(f/2) bilinear fetches at texel corners (an axis with f 1 reads pixel centres).
// Outside the image the mirroring sampler reflects it.
fn box_at(i: i32, j: i32) -> vec4<f32> {
    let f = vec2<i32>(u.factor);
    let n = max(f / 2, vec2<i32>(1));
    let first = vec2<f32>(f32(i * f.x), f32(j * f.y)) + select(vec2<f32>(0.5), vec2<f32>(1.0), f > vec2<i32>(1));
    let dims = vec2<f32>(textureDimensions(src));
    // The common boxes with their fetches issued together (a loop waits for each).
    if n.x == 2 && n.y == 2 {
        return box_2x2(first, dims);
    }
    // 4×4 or 8×8 fetches (the pre-pass; factor 16 after it): 16 at a time.
    if n.x % 4 == 0 && n.y % 4 == 0 {
        var sum = vec4<f32>(0.0);
        for (var b = 0; b < n.y; b += 4) {
            for (var a = 0; a < n.x; a += 4) {
                let p = first + 2.0 * vec2<f32>(f32(a), f32(b));
                sum += box_2x2(p, dims) + box_2x2(p + vec2<f32>(4.0, 0.0), dims)
                    + box_2x2(p + vec2<f32>(0.0, 4.0), dims) + box_2x2(p + vec2<f32>(4.0), dims);
            }
        }
        return sum * (4.0 / f32(n.x * n.y));
    }
    var sum = vec4<f32>(0.0);
    for (var b = 0; b < n.y; b++) {
        for (var a = 0; a < n.x; a++) {
            let p = first + 2.0 * vec2<f32>(f32(a), f32(b));
            sum += textureSampleLevel(src, samp, p / dims, 0.0);
        }
    }
    return sum / f32(n.x * n.y);
}

// The mean of four bilinear fetches 2 texels apart from `first` (texel units).
fn box_2x2(first: vec2<f32>, dims: vec2<f32>) -> vec4<f32> {
    let s0 = textureSampleLevel(src, samp, first / dims, 0.0);
    let s1 = textureSampleLevel(src, samp, (first + vec2<f32>(2.0, 0.0)) / dims, 0.0);
    let s2 = textureSampleLevel(src, samp, (first + vec2<f32>(0.0, 2.0)) / dims, 0.0);
    let s3 = textureSampleLevel(src, samp, (first + vec2<f32>(2.0, 2.0)) / dims, 0.0);
    return (s0 + s1 + s2 + s3) * 0.25;
}

// The small texel whose B-spline neighbourhood holds output pixel x, and the weights of
// texels c - 1 .. c + 2. An axis with factor 1 is not resampled.
struct Spline {
    c: i32,
    w: vec4<f32>,
}

fn spline(x: i32, f: i32) -> Spline {
    if f == 1 {
        return Spline(x, vec4<f32>(0.0, 1.0, 0.0, 0.0));
    }
    let s = (f32(x) + 0.5) / f32(f) - 0.5;
    let c = floor(s);
    let t = s - c;
    if f == 2 {
        // Factor 2: linear interpolation. Its variance, t (1 − t) small texels², is 3/16 at
        // both phases (t = 1/4, 3/4): the blur is the same at every pixel, in one bilinear
        // fetch a pixel instead of four (`UP_VARIANCE` in blur.rs).
        return Spline(i32(c), vec4<f32>(0.0, 1.0 - t, t, 0.0));
    }
    let t2 = t * t;
    let t3 = t2 * t;
    let w = vec4<f32>(
        (1.0 - t) * (1.0 - t) * (1.0 - t),
        4.0 - 6.0 * t2 + 3.0 * t3,
        1.0 + 3.0 * t + 3.0 * t2 - 3.0 * t3,
        t3,
    ) / 6.0;
    return Spline(i32(c), w);
}

fn shade(uv: vec2<f32>) -> vec4<f32> {
    switch u.mode {
        case 1u: {
            let p = vec2<i32>(floor(uv * u.header.resolution)) - i32(u.apron);
            return box_at(p.x, p.y);
        }
        case 2u: {
            return integer_taps(vec2<i32>(floor(uv * u.header.resolution)));
        }
        case 3u: {
            return spline_up(vec2<i32>(floor(uv * u.header.resolution)));
        }
        default: {
            return pair_taps(uv);
        }
    }
}

fn pair_taps(uv: vec2<f32>) -> vec4<f32> {
    let texel = u.direction / vec2<f32>(textureDimensions(src));
    var sum = textureSampleLevel(src, samp, uv, 0.0) * u.center;
    for (var j = 0u; j < u.pairs; j++) {
        let t = u.taps[j / 2u];
        let odd = (j & 1u) == 1u;
        let offset = select(t.x, t.z, odd);
        let weight = select(t.y, t.w, odd);
        sum += weight * (textureSampleLevel(src, samp, uv + texel * offset, 0.0)
            + textureSampleLevel(src, samp, uv - texel * offset, 0.0));
    }
    return sum;
}

fn integer_taps(p: vec2<i32>) -> vec4<f32> {
    let d = vec2<i32>(u.direction);
    let last = vec2<i32>(textureDimensions(src)) - 1;
    let horizontal = d.x == 1;
    let r = i32(select(u.radius_y, u.radius_x, horizontal));
    let w0 = select(wy(0), wx(0), horizontal);
    var sum = textureLoad(src, p, 0) * w0;
    for (var t = 1; t <= r; t++) {
        let w = select(wy(t), wx(t), horizontal);
        sum += w * (textureLoad(src, clamp(p + d * t, vec2<i32>(0), last), 0)
            + textureLoad(src, clamp(p - d * t, vec2<i32>(0), last), 0));
    }
    return sum;
}

fn spline_up(p: vec2<i32>) -> vec4<f32> {
    let f = vec2<i32>(u.factor);
    let sx = spline(p.x, f.x);
    let sy = spline(p.y, f.y);
    let a = i32(u.apron);
    let last = vec2<i32>(textureDimensions(src)) - 1;
    var sum = vec4<f32>(0.0);
    for (var b = 0; b < 4; b++) {
        var row = vec4<f32>(0.0);
        for (var k = 0; k < 4; k++) {
            let q = clamp(vec2<i32>(sx.c - 1 + k + a, sy.c - 1 + b + a), vec2<i32>(0), last);
            row += sx.w[k] * textureLoad(src, q, 0);
        }
        sum += sy.w[b] * row;
    }
    return sum;
}

// ---- Compute passes (GPUs) ----

// Most integer taps on a side (`RMAX` in blur.rs).
const RMAX: i32 = 16;
// Small texels per row a `cs_down_h` workgroup writes.
const DOWN_W: i32 = 128;

// Boxes of two rows of small texels, with `radius_x` more on each side.
var<workgroup> box_row: array<array<vec2<u32>, 160>, 2>;

// Boxes, then horizontal taps: the small image's columns -2 .. small.x + 1 (all the
// B-spline reads) and every row of its texture (apron included), stored at
// (i + apron, j + apron).
@compute @workgroup_size(128, 2)
fn cs_down_h(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = i32(u.radius_x);
    let a = i32(u.apron);
    let i0 = i32(wg.x) * DOWN_W - 2;
    let j = i32(wg.y * 2u + lid.y) - a;
    let lx = i32(lid.x);
    let b0 = box_at(i0 - r + lx, j);
    let second = lx + DOWN_W < DOWN_W + 2 * r;
    var b1 = vec4<f32>(0.0);
    if second {
        b1 = box_at(i0 - r + lx + DOWN_W, j);
    }
    box_row[lid.y][lx] = pk(b0);
    if second {
        box_row[lid.y][lx + DOWN_W] = pk(b1);
    }
    workgroupBarrier();
    let i = i0 + lx;
    let texel = vec2<i32>(i + a, j + a);
    if i > i32(u.small.x) + 1 || texel.y >= i32(textureDimensions(vivid_output).y) {
        return;
    }
    var sum = up(box_row[lid.y][lx + r]) * wx(0);
    for (var t = 1; t <= r; t++) {
        sum += wx(t) * (up(box_row[lid.y][lx + r + t]) + up(box_row[lid.y][lx + r - t]));
    }
    textureStore(vivid_output, texel, sum);
}

// The way back up from the small image (its vertical taps already taken by `cs_small_v`).
//
// Factor 2 (`cs_up_linear`): linear interpolation, one bilinear fetch a pixel.
@compute @workgroup_size(16, 16)
fn cs_up_linear(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = vec2<i32>(gid.xy);
    if any(p >= vec2<i32>(textureDimensions(vivid_output))) {
        return;
    }
    // An axis not blurred has factor 1: its texel centre, unfiltered.
    let s = (vec2<f32>(p) + 0.5) / vec2<f32>(u.factor) - 0.5 + f32(u.apron) + 0.5;
    let inv = 1.0 / vec2<f32>(textureDimensions(src));
    textureStore(vivid_output, p, textureSampleLevel(src, samp, s * inv, 0.0));
}

// Larger factors (`cs_up_bspline`): the cubic B-spline as four bilinear fetches a pixel:
// weights w0..w3 on texels c − 1 .. c + 2 of an axis are two bilinear pairs, (w0 + w1) at
// c − 1 + w1 / (w0 + w1) and (w2 + w3) at c + 1 + w3 / (w2 + w3) (Sigg and Hadwiger's fast
// cubic filtering). No shared memory, no barrier: on the H200 it took 41 µs off a blur of
// radius 12 (with the small vertical pass split out) against the shared-memory B-spline it
// replaced; 2×2 pixels an invocation from 16 texel fetches were 3–10 µs slower at 1080p and
// 4K. The GPU's filter weights have 8 fractional bits: the weights are kept to ~0.2 %.
fn spline_pairs(x: i32, f: i32) -> vec4<f32> {
    let s = spline(x, f);
    let g0 = s.w.x + s.w.y;
    let g1 = s.w.z + s.w.w;
    let h0 = f32(s.c - 1) + s.w.y / max(g0, 1e-6);
    let h1 = f32(s.c + 1) + s.w.w / max(g1, 1e-6);
    return vec4<f32>(h0, g0, h1, g1);
}

@compute @workgroup_size(16, 16)
fn cs_up_bspline(@builtin(global_invocation_id) gid: vec3<u32>) {
    let p = vec2<i32>(gid.xy);
    if any(p >= vec2<i32>(textureDimensions(vivid_output))) {
        return;
    }
    let f = vec2<i32>(u.factor);
    let a = f32(u.apron) + 0.5;
    let inv = 1.0 / vec2<f32>(textureDimensions(src));
    let sx = spline_pairs(p.x, f.x);
    let sy = spline_pairs(p.y, f.y);
    let x0 = (sx.x + a) * inv.x;
    let x1 = (sx.z + a) * inv.x;
    let y0 = (sy.x + a) * inv.y;
    let y1 = (sy.z + a) * inv.y;
    let s00 = textureSampleLevel(src, samp, vec2<f32>(x0, y0), 0.0);
    let s10 = textureSampleLevel(src, samp, vec2<f32>(x1, y0), 0.0);
    let s01 = textureSampleLevel(src, samp, vec2<f32>(x0, y1), 0.0);
    let s11 = textureSampleLevel(src, samp, vec2<f32>(x1, y1), 0.0);
    let out = sy.y * (sx.y * s00 + sx.w * s10) + sy.w * (sx.y * s01 + sx.w * s11);
    textureStore(vivid_output, p, out);
}

// ---- Integer taps, compute (GPUs) ----
// The direct path's Gaussian (`kernel` in blur.rs, unpaired: weights_x/y, radius_x/y) and
// the small image's vertical taps on the pyramid path.

// Texel index `i` of an axis of `n` texels, reflected once as the mirroring sampler does
// (…, 1, 0 | 0, 1, …, n − 1 | n − 1, n − 2, …): every tap of an axis wider than RMAX (blur.rs
// sends narrower images through `shade`, whose sampler mirrors over and over; a periodic
// reflection here cost 6–10 µs a blur on the H200). Indices past one reflection are only
// read for pixels outside the output: clamped.
fn mirror_index(i: i32, n: i32) -> i32 {
    let j = select(i, -i - 1, i < 0);
    return clamp(select(j, 2 * n - 1 - j, j >= n), 0, n - 1);
}

// The weight of a tap `t` texels from the centre along x (y): zero past the radius `r`.
fn tap_x(t: i32, r: i32) -> f32 {
    let a = min(abs(t), RMAX);
    return select(0.0, wx(a), a <= r);
}

fn tap_y(t: i32, r: i32) -> f32 {
    let a = min(abs(t), RMAX);
    return select(0.0, wy(a), a <= r);
}

// Direct path: each invocation writes 8 neighbouring pixels along the blurred axis from one
// sliding window of 8 + 2r texels fetched straight from the texture: (8 + 2r) / 8 fetches a
// pixel instead of 2r + 1, no shared memory, no barrier. Pixel i takes texel j with the
// weight of offset j − r − i: the weights slide through w1..w7 one texel behind each other.
// On the H200 this beat shared-memory tiles by 5–8 µs a blur (those pay a barrier and
// half-float conversions; see docs/performance.md), and the multiply-adds bound it (a blur
// of sigma 3 with one accumulator instead of 8 took 20 µs less; fetching one texel for all
// taps, 6 µs less): the first and last 7 texels of the window, which reach only some of the
// 8 pixels, are multiplied only into those (`window_head`, `window_tail`: 56 multiply-adds
// fewer an invocation, 2–5 µs a blur of sigma 1.9–3). No arrays: they went to local memory.

// A `cs_taps_h` workgroup's tile: 64 pixels across, 16 rows (`TAPS_H_TILE` in blur.rs);
// invocation `li` writes row li % 16, pixels 8 (li / 16) onwards.
const TAPS_W: i32 = 64;
// A `cs_taps_v` workgroup's tile: 16 columns, 64 rows (`TAPS_V_TILE`); invocation `li`
// writes column li % 16, rows 8 (li / 16) onwards.
const TAPS_H: i32 = 64;

// Texel `p` of the source, mirrored at its edges on both axes.
fn mirrored(p: vec2<i32>, size: vec2<i32>) -> vec2<i32> {
    return vec2<i32>(mirror_index(p.x, size.x), mirror_index(p.y, size.y));
}

// One invocation's window: its first pixel, the axis, the radius, the 8 sums and the
// weights in flight.
struct Window {
    p0: vec2<i32>,
    step: vec2<i32>,
    r: i32,
    size: vec2<i32>,
    a0: vec4<f32>,
    a1: vec4<f32>,
    a2: vec4<f32>,
    a3: vec4<f32>,
    a4: vec4<f32>,
    a5: vec4<f32>,
    a6: vec4<f32>,
    a7: vec4<f32>,
    w1: f32,
    w2: f32,
    w3: f32,
    w4: f32,
    w5: f32,
    w6: f32,
    w7: f32,
}

// Texel j of the window and its weight for the window's first pixel.
fn window_texel(w: ptr<function, Window>, j: i32) -> vec4<f32> {
    return textureLoad(src, mirrored((*w).p0 + (*w).step * (j - (*w).r), (*w).size), 0);
}

fn window_weight(w: ptr<function, Window>, j: i32) -> f32 {
    return select(tap_y(j - (*w).r, (*w).r), tap_x(j - (*w).r, (*w).r), (*w).step.x == 1);
}

// The weights move one pixel on: texel j + 1 has weight w0 for pixel 0, w1 for pixel 1, …
fn window_slide(w: ptr<function, Window>, w0: f32) {
    (*w).w7 = (*w).w6;
    (*w).w6 = (*w).w5;
    (*w).w5 = (*w).w4;
    (*w).w4 = (*w).w3;
    (*w).w3 = (*w).w2;
    (*w).w2 = (*w).w1;
    (*w).w1 = w0;
}

// Texels `first..=last`, each multiplied into all 8 pixels (from 7 to 2r each reaches
// them all).
fn window_run(w: ptr<function, Window>, first: i32, last: i32) {
    for (var j = first; j <= last; j++) {
        let v = window_texel(w, j);
        let w0 = window_weight(w, j);
        (*w).a0 += w0 * v;
        (*w).a1 += (*w).w1 * v;
        (*w).a2 += (*w).w2 * v;
        (*w).a3 += (*w).w3 * v;
        (*w).a4 += (*w).w4 * v;
        (*w).a5 += (*w).w5 * v;
        (*w).a6 += (*w).w6 * v;
        (*w).a7 += (*w).w7 * v;
        window_slide(w, w0);
    }
}

// Texel `j` multiplied into pixels `first..=last` only (the others it does not reach):
// called with constant bounds, so that each call compiles to just those multiply-adds.
fn window_part(w: ptr<function, Window>, j: i32, first: i32, last: i32) {
    let v = window_texel(w, j);
    let w0 = window_weight(w, j);
    if first == 0 {
        (*w).a0 += w0 * v;
    }
    if first <= 1 && last >= 1 {
        (*w).a1 += (*w).w1 * v;
    }
    if first <= 2 && last >= 2 {
        (*w).a2 += (*w).w2 * v;
    }
    if first <= 3 && last >= 3 {
        (*w).a3 += (*w).w3 * v;
    }
    if first <= 4 && last >= 4 {
        (*w).a4 += (*w).w4 * v;
    }
    if first <= 5 && last >= 5 {
        (*w).a5 += (*w).w5 * v;
    }
    if first <= 6 && last >= 6 {
        (*w).a6 += (*w).w6 * v;
    }
    if last >= 7 {
        (*w).a7 += (*w).w7 * v;
    }
    window_slide(w, w0);
}

// Texels 0..6: texel j reaches pixels 0..j.
fn window_head(w: ptr<function, Window>) {
    window_part(w, 0, 0, 0);
    window_part(w, 1, 0, 1);
    window_part(w, 2, 0, 2);
    window_part(w, 3, 0, 3);
    window_part(w, 4, 0, 4);
    window_part(w, 5, 0, 5);
    window_part(w, 6, 0, 6);
}

// Texels 2r + 1 .. 2r + 7: texel 2r + m reaches pixels m..7 (pixel 0's taps are done).
fn window_tail(w: ptr<function, Window>) {
    let e = 2 * (*w).r;
    window_part(w, e + 1, 1, 7);
    window_part(w, e + 2, 2, 7);
    window_part(w, e + 3, 3, 7);
    window_part(w, e + 4, 4, 7);
    window_part(w, e + 5, 5, 7);
    window_part(w, e + 6, 6, 7);
    window_part(w, e + 7, 7, 7);
}

// The taps of 8 pixels from `p0` along `step` ((1, 0) horizontal, (0, 1) vertical), those
// inside the output stored.
fn taps_run(p0: vec2<i32>, step: vec2<i32>) {
    let r = i32(select(u.radius_y, u.radius_x, step.x == 1));
    let zero = vec4<f32>(0.0);
    var w = Window(p0, step, r, vec2<i32>(textureDimensions(src)),
        zero, zero, zero, zero, zero, zero, zero, zero, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    if r < 6 {
        // Short kernels: one loop over the whole window (its zero weights multiply the
        // head's and tail's texels; the unrolled head and tail were slower here on the
        // H200, 2 µs a blur of sigma 1).
        window_run(&w, 0, 2 * r + 7);
    } else {
        window_head(&w);
        window_run(&w, 7, 2 * r);
        window_tail(&w);
    }
    let out = vec2<i32>(textureDimensions(vivid_output));
    store_if_inside(p0, out, w.a0);
    store_if_inside(p0 + step, out, w.a1);
    store_if_inside(p0 + 2 * step, out, w.a2);
    store_if_inside(p0 + 3 * step, out, w.a3);
    store_if_inside(p0 + 4 * step, out, w.a4);
    store_if_inside(p0 + 5 * step, out, w.a5);
    store_if_inside(p0 + 6 * step, out, w.a6);
    store_if_inside(p0 + 7 * step, out, w.a7);
}

fn store_if_inside(p: vec2<i32>, size: vec2<i32>, v: vec4<f32>) {
    if all(p < size) {
        textureStore(vivid_output, p, v);
    }
}

@compute @workgroup_size(128)
fn cs_taps_h(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let origin = vec2<i32>(i32(wg.x) * TAPS_W, i32(wg.y) * 16);
    taps_run(origin + vec2<i32>((i32(li) / 16) * 8, i32(li) % 16), vec2<i32>(1, 0));
}

@compute @workgroup_size(128)
fn cs_taps_v(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let origin = vec2<i32>(i32(wg.x) * 16, i32(wg.y) * TAPS_H);
    taps_run(origin + vec2<i32>(i32(li) % 16, (i32(li) / 16) * 8), vec2<i32>(0, 1));
}

// Pyramid path: the vertical taps of the small image from a half-float tile in shared
// memory, 4 rows an invocation from one sliding window (on the small image this beat the
// fetches straight from the texture by ~1.5 µs). The tile: 16 columns, 64 rows
// (`SMALL_V_TILE` in blur.rs) and RMAX rows above and below; every fetch issued before any
// is stored (a loop storing each fetch waits for it: 11 µs a blur on the H200).
const SMALL_V_H: i32 = 64;
var<workgroup> v_cols: array<vec2<u32>, 1536>;

@compute @workgroup_size(256)
fn cs_small_v(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let r = i32(u.radius_y);
    let size = vec2<i32>(textureDimensions(src));
    let origin = vec2<i32>(i32(wg.x) * 16, i32(wg.y) * SMALL_V_H);
    let n = SMALL_V_H + 2 * r;
    let lrow = i32(li) / 16;
    let lx = min(origin.x + i32(li) % 16, size.x - 1);
    let t0 = textureLoad(src, vec2<i32>(lx, mirror_index(origin.y - r + min(lrow + 0, n - 1), size.y)), 0);
    let t1 = textureLoad(src, vec2<i32>(lx, mirror_index(origin.y - r + min(lrow + 16, n - 1), size.y)), 0);
    let t2 = textureLoad(src, vec2<i32>(lx, mirror_index(origin.y - r + min(lrow + 32, n - 1), size.y)), 0);
    let t3 = textureLoad(src, vec2<i32>(lx, mirror_index(origin.y - r + min(lrow + 48, n - 1), size.y)), 0);
    let t4 = textureLoad(src, vec2<i32>(lx, mirror_index(origin.y - r + min(lrow + 64, n - 1), size.y)), 0);
    let t5 = textureLoad(src, vec2<i32>(lx, mirror_index(origin.y - r + min(lrow + 80, n - 1), size.y)), 0);
    if lrow + 0 < n { v_cols[(lrow + 0) * 16 + i32(li) % 16] = pk(t0); }
    if lrow + 16 < n { v_cols[(lrow + 16) * 16 + i32(li) % 16] = pk(t1); }
    if lrow + 32 < n { v_cols[(lrow + 32) * 16 + i32(li) % 16] = pk(t2); }
    if lrow + 48 < n { v_cols[(lrow + 48) * 16 + i32(li) % 16] = pk(t3); }
    if lrow + 64 < n { v_cols[(lrow + 64) * 16 + i32(li) % 16] = pk(t4); }
    if lrow + 80 < n { v_cols[(lrow + 80) * 16 + i32(li) % 16] = pk(t5); }
    workgroupBarrier();
    let col = i32(li) % 16;
    let first = (i32(li) / 16) * 4;
    var a0 = vec4<f32>(0.0);
    var a1 = vec4<f32>(0.0);
    var a2 = vec4<f32>(0.0);
    var a3 = vec4<f32>(0.0);
    var w1 = 0.0;
    var w2 = 0.0;
    var w3 = 0.0;
    for (var j = 0; j < 4 + 2 * r; j++) {
        let v = up(v_cols[(first + j) * 16 + col]);
        let w0 = tap_y(j - r, r);
        a0 += w0 * v;
        a1 += w1 * v;
        a2 += w2 * v;
        a3 += w3 * v;
        w3 = w2;
        w2 = w1;
        w1 = w0;
    }
    let p = vec2<i32>(origin.x + col, origin.y + first);
    let out = vec2<i32>(textureDimensions(vivid_output));
    store_if_inside(p, out, a0);
    store_if_inside(p + vec2<i32>(0, 1), out, a1);
    store_if_inside(p + vec2<i32>(0, 2), out, a2);
    store_if_inside(p + vec2<i32>(0, 3), out, a3);
}
