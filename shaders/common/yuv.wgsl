// Y'CbCr → R'G'B' with a stream's matrix and range: shared by `vivid-media`'s `video.wgsl`
// (frames uploaded through the CPU) and `vivid-dmabuf`'s `dmabuf_in.wgsl` (NV12 buffers
// imported where they lie). Matrix: 0 BT.601, 1 BT.709, 2 BT.2020, 3 FCC, 4 SMPTE 240M;
// range: 0 limited, 1 full. `vivid_media::colorimetry::yuv_to_rgb` is its CPU twin.

// Kr, Kb of each matrix.
fn kr_kb(m: u32) -> vec2<f32> {
    switch m {
        case 1u: { return vec2<f32>(0.2126, 0.0722); }
        case 2u: { return vec2<f32>(0.2627, 0.0593); }
        case 3u: { return vec2<f32>(0.30, 0.11); }
        case 4u: { return vec2<f32>(0.212, 0.087); }
        default: { return vec2<f32>(0.299, 0.114); }
    }
}

// R'G'B' of 8-bit codes / 255 (y, u, v) by `matrix` and `range`.
fn yuv_to_rgb(yuv: vec3<f32>, matrix: u32, range: u32) -> vec3<f32> {
    let k = kr_kb(matrix);
    let kg = 1.0 - k.x - k.y;
    var ay = 255.0 / 219.0;
    var by = -16.0 / 219.0;
    var ac = 255.0 / 224.0;
    var bc = -128.0 / 224.0;
    if range == 1u {
        ay = 1.0;
        by = 0.0;
        ac = 1.0;
        bc = -128.0 / 255.0;
    }
    let y = ay * yuv.x + by;
    let cb = ac * yuv.y + bc;
    let cr = ac * yuv.z + bc;
    let rv = 2.0 * (1.0 - k.x);
    let bu = 2.0 * (1.0 - k.y);
    return vec3<f32>(
        y + rv * cr,
        y - (bu * k.y / kg) * cb - (rv * k.x / kg) * cr,
        y + bu * cb,
    );
}

// P010 samples (10-bit codes in the high bits of 16-bit unorm samples: y, cb, cr) as the
// 8-bit codes / 255 `yuv_to_rgb` reads, exactly: limited range as code / 1020 (then
// (code - 64) / 876 and (code - 512) / 896 come out), full range as code / 1023 with chroma
// centred on 512.
fn p010_as_8bit(s: vec3<f32>, range: u32) -> vec3<f32> {
    let code = s * (65535.0 / 64.0);
    if range == 1u {
        return vec3<f32>(code.x / 1023.0, (code.yz - 512.0) / 1023.0 + 128.0 / 255.0);
    }
    return code / 1020.0;
}
