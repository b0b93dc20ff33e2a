/*{
	"DESCRIPTION": "vivid test: a FLOAT persistent target holds values 16-bit floats cannot (1 + 1/4096, -3 - 1/4096, 70000) across frames; the last pass shows how far they are from 1, -3 and 69999, scaled into exact 16-bit values.",
	"ISFVSN": "2",
	"PASSES": [
		{ "TARGET": "held", "PERSISTENT": true, "FLOAT": true, "WIDTH": "1", "HEIGHT": "1" },
		{ }
	]
}*/
void main() {
	if (PASSINDEX == 0) {
		if (FRAMEINDEX == 0) {
			gl_FragColor = vec4(1.0 + 1.0 / 4096.0, -3.0 - 1.0 / 4096.0, 70000.0, 1.0);
		} else {
			gl_FragColor = IMG_PIXEL(held, vec2(0.5));
		}
	} else {
		vec4 h = IMG_PIXEL(held, vec2(0.5));
		gl_FragColor = vec4((h.r - 1.0) * 1024.0, (h.g + 3.0) * -1024.0, h.b - 69999.0, 1.0);
	}
}
