/*{
	"DESCRIPTION": "vivid test: DATE as exact small numbers (year - 2000, month, day) and the fraction of the day.",
	"ISFVSN": "2"
}*/
void main() {
	gl_FragColor = vec4(DATE.x - 2000.0, DATE.y, DATE.z, DATE.w / 86400.0);
}
