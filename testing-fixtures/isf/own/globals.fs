/*{
	"DESCRIPTION": "vivid test: global initializers that read inputs and built-ins run before main, as GLSL runs them (not once, with nothing set).",
	"ISFVSN": "2",
	"INPUTS": [ { "NAME": "amount", "TYPE": "float", "DEFAULT": 0.25 } ]
}*/
float doubled = amount * 2.0;   // an input
vec2 size = RENDERSIZE;         // a built-in
const float quarter = 0.25;     // a constant stays one
float aspect_ratio = size.x / size.y, unused;
void main() {
	gl_FragColor = vec4(doubled, size.x / 64.0, quarter, size.x / size.y / 4.0);
}
