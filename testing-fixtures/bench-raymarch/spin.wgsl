//! 4096 iterations of one multiply-add a pixel: what the loop guard costs at its worst.

fn shade(uv: vec2<f32>) -> vec4<f32> {
    var x = uv.x;
    for (var i = 0; i < 4096; i++) {
        x = fract(x * 1.0001 + uv.y);
    }
    return vec4<f32>(x * 0.1, 0.0, 0.0, 1.0);
}
