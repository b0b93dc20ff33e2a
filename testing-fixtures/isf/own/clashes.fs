/*{
	"DESCRIPTION": "vivid test: user names that vivid's generated code and interface also use (shade, aspect, vivid_output, a local named like its image) and a float function returning an int.",
	"ISFVSN": "2",
	"PASSES": [ { "TARGET": "lastRow", "WIDTH": "1", "HEIGHT": "1" }, { } ]
}*/
float shade(float x) { return x * 0.5; }
float aspect = 0.25;
vec4 vivid_output = vec4(0.0);
float half_of(float x) { if (x > 100.0) { return 0; } return x * 0.5; }
float only_if(bool b) { if (b) { return 0.75; } }
void main() {
	if (PASSINDEX == 0) {
		gl_FragColor = vec4(0.5, 0.0, 0.0, 1.0);
	} else {
		vec4 lastRow = IMG_PIXEL(lastRow, vec2(0.5));
		gl_FragColor = vec4(lastRow.r, shade(aspect * 4.0) + vivid_output.r, half_of(0.5), only_if(true));
	}
}
