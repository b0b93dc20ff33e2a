// vivid test: Common code, shared by every pass.
float shared_scale() { return 0.5; }
