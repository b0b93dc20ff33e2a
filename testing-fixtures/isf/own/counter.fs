/*{
	"DESCRIPTION": "vivid test: a persistent 1x1 buffer counting frames in 1/64ths; the second pass shows it.",
	"ISFVSN": "2",
	"PASSES": [
		{ "TARGET": "count", "PERSISTENT": true, "FLOAT": true, "WIDTH": "1", "HEIGHT": "1" },
		{ }
	]
}*/
void main() {
	if (PASSINDEX == 0) {
		vec4 c = IMG_PIXEL(count, vec2(0.5));
		gl_FragColor = vec4(c.r + 1.0 / 64.0, RENDERSIZE.x / 64.0, RENDERSIZE.y / 64.0, 1.0);
	} else {
		gl_FragColor = IMG_NORM_PIXEL(count, vec2(0.5));
	}
}
