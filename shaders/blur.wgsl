// blur: the passes of a separable Gaussian (operators/src/filters/blur.rs has the plan and
// the variance bookkeeping). Every weight comes from the CPU; every pass is a convex
// combination, so a uniform image stays uniform and the mean is kept.
//
// Small radii (direct): `mode` 0, one axis per pass, the kernel as a centre weight and up
// to 8 pairs of taps, each pair one bilinear fetch at its weighted offset; the sampler
// mirrors at the edges.
//
// Larger radii (pyramid, factor f = 2^k per blurred axis): the image is averaged over f×f
// boxes (a "small" image, with an apron of `apron` texels on every side so that its edges
// see the mirrored image), blurred there with integer taps (`radius_x`, `radius_y`,
// weights_x/y), and brought back with a cubic B-spline (4×4 taps, whose variance is 1/3 of
// a small texel at every phase: the total variance is exact wherever a pixel falls).
//   Compute (GPUs): two passes, `cs_down_h` (boxes into shared memory, horizontal taps) and
//   `cs_v_up` (vertical taps and the B-spline, all in shared memory).
//   Render (CPU drivers): the same arithmetic as fragment passes: mode 1 (boxes), mode 2
//   (integer taps along `direction`), mode 2 again, mode 3 (the B-spline).
#import "common/operator.wgsl"

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
    var sum = vec4<f32>(0.0);
    for (var b = 0; b < n.y; b++) {
        for (var a = 0; a < n.x; a++) {
            let p = first + 2.0 * vec2<f32>(f32(a), f32(b));
            sum += textureSampleLevel(src, samp, p / dims, 0.0);
        }
    }
    return sum / f32(n.x * n.y);
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
var<workgroup> box_row: array<array<vec4<f32>, 160>, 2>;

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
    for (var c = lx; c < DOWN_W + 2 * r; c += DOWN_W) {
        box_row[lid.y][c] = box_at(i0 - r + c, j);
    }
    workgroupBarrier();
    let i = i0 + lx;
    let texel = vec2<i32>(i + a, j + a);
    if i > i32(u.small.x) + 1 || texel.y >= i32(textureDimensions(vivid_output).y) {
        return;
    }
    var sum = box_row[lid.y][lx + r] * wx(0);
    for (var t = 1; t <= r; t++) {
        sum += wx(t) * (box_row[lid.y][lx + r + t] + box_row[lid.y][lx + r - t]);
    }
    textureStore(vivid_output, texel, sum);
}

// A 16×16 tile of the output needs at most 16 small columns (factor 1: none resampled)
// or 12 (factor 2: 8 plus the B-spline's 1 + 2), and as many rows of vertical results
// plus 2 RMAX rows of horizontal ones: at most 16 × 44 texels. The horizontal B-spline's
// results (at most 16 rows × 16 columns) reuse the same memory once those are read.
var<workgroup> tile: array<vec4<f32>, 704>;
// Vertical results: at most 16 × 12.
var<workgroup> v_tile: array<vec4<f32>, 192>;

// First small texel a 16-texel run of the output from `x0` reads, and how many.
fn small_span(x0: i32, f: i32) -> vec2<i32> {
    if f == 1 {
        return vec2<i32>(x0, 16);
    }
    let lo = spline(x0, f).c - 1;
    return vec2<i32>(lo, spline(x0 + 15, f).c + 2 - lo + 1);
}

// Vertical taps and the B-spline of one 16×16 tile of the output, from the small image
// `cs_down_h` wrote.
@compute @workgroup_size(16, 16)
fn cs_v_up(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let f = vec2<i32>(u.factor);
    let a = i32(u.apron);
    let ry = i32(u.radius_y);
    let origin = vec2<i32>(wg.xy) * 16;
    let cols = small_span(origin.x, f.x);
    let rows = small_span(origin.y, f.y);
    let ncols = cols.y;
    let nv = rows.y;
    let nh = nv + 2 * ry;
    let last = vec2<i32>(textureDimensions(src)) - 1;
    for (var k = i32(li); k < ncols * nh; k += 256) {
        let q = vec2<i32>(cols.x + k % ncols + a, rows.x - ry + k / ncols + a);
        tile[k] = textureLoad(src, clamp(q, vec2<i32>(0), last), 0);
    }
    workgroupBarrier();
    for (var k = i32(li); k < ncols * nv; k += 256) {
        let at = (k / ncols + ry) * ncols + k % ncols;
        var sum = tile[at] * wy(0);
        for (var t = 1; t <= ry; t++) {
            sum += wy(t) * (tile[at + t * ncols] + tile[at - t * ncols]);
        }
        v_tile[k] = sum;
    }
    workgroupBarrier();
    for (var k = i32(li); k < nv * 16; k += 256) {
        let row = (k / 16) * ncols;
        if f.x == 1 {
            tile[k] = v_tile[row + k % 16];
        } else {
            let s = spline(origin.x + k % 16, f.x);
            let at = row + s.c - 1 - cols.x;
            tile[k] = s.w.x * v_tile[at] + s.w.y * v_tile[at + 1] + s.w.z * v_tile[at + 2]
                + s.w.w * v_tile[at + 3];
        }
    }
    workgroupBarrier();
    let p = origin + vec2<i32>(lid.xy);
    if any(p >= vec2<i32>(textureDimensions(vivid_output))) {
        return;
    }
    var out: vec4<f32>;
    if f.y == 1 {
        out = tile[i32(lid.y) * 16 + i32(lid.x)];
    } else {
        let s = spline(p.y, f.y);
        let at = (s.c - 1 - rows.x) * 16 + i32(lid.x);
        out = s.w.x * tile[at] + s.w.y * tile[at + 16] + s.w.z * tile[at + 32]
            + s.w.w * tile[at + 48];
    }
    textureStore(vivid_output, p, out);
}

// ---- Direct path, compute (GPUs): the same Gaussian as `pair_taps`, as integer taps ----
// (weights_x/y, radius_x/y: `kernel` in blur.rs, before it is paired) read from shared
// memory: every source texel is fetched once per pass, not once per tap.

// Texel index `i` of an axis of `n` texels, reflected as the mirroring sampler does
// (…, 1, 0 | 0, 1, …, n − 1 | n − 1, n − 2, …).
fn mirror_index(i: i32, n: i32) -> i32 {
    var j = i;
    if j < 0 {
        j = -j - 1;
    }
    if j >= n {
        j = 2 * n - 1 - j;
    }
    return clamp(j, 0, n - 1);
}

// Horizontal taps of two rows of 128 pixels (row buffers shared with `cs_down_h`).
@compute @workgroup_size(128, 2)
fn cs_direct_h(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
    let r = i32(u.radius_x);
    let size = vec2<i32>(textureDimensions(src));
    let x0 = i32(wg.x) * DOWN_W;
    let y = i32(wg.y * 2u + lid.y);
    let row = min(y, size.y - 1);
    let lx = i32(lid.x);
    for (var c = lx; c < DOWN_W + 2 * r; c += DOWN_W) {
        box_row[lid.y][c] = textureLoad(src, vec2<i32>(mirror_index(x0 - r + c, size.x), row), 0);
    }
    workgroupBarrier();
    let x = x0 + lx;
    if x >= size.x || y >= size.y {
        return;
    }
    var sum = box_row[lid.y][lx + r] * wx(0);
    for (var t = 1; t <= r; t++) {
        sum += wx(t) * (box_row[lid.y][lx + r + t] + box_row[lid.y][lx + r - t]);
    }
    textureStore(vivid_output, vec2<i32>(x, y), sum);
}

// Columns of 16 texels, 32 output rows plus RMAX above and below: 16 KB.
var<workgroup> column: array<vec4<f32>, 1024>;

// Vertical taps of a 16×32 block: each invocation writes two pixels, 16 rows apart.
@compute @workgroup_size(16, 16)
fn cs_direct_v(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let r = i32(u.radius_y);
    let size = vec2<i32>(textureDimensions(src));
    let origin = vec2<i32>(i32(wg.x) * 16, i32(wg.y) * 32);
    for (var k = i32(li); k < 16 * (32 + 2 * r); k += 256) {
        let q = vec2<i32>(min(origin.x + k % 16, size.x - 1), mirror_index(origin.y - r + k / 16, size.y));
        column[k] = textureLoad(src, q, 0);
    }
    workgroupBarrier();
    for (var half = 0; half < 2; half++) {
        let ly = i32(lid.y) + 16 * half;
        let p = vec2<i32>(origin.x + i32(lid.x), origin.y + ly);
        if p.x < size.x && p.y < size.y {
            let at = (ly + r) * 16 + i32(lid.x);
            var sum = column[at] * wy(0);
            for (var t = 1; t <= r; t++) {
                sum += wy(t) * (column[at + 16 * t] + column[at - 16 * t]);
            }
            textureStore(vivid_output, p, sum);
        }
    }
}
