#!/usr/bin/env python3
"""Writes loop.wav: a synthesized drum loop (no recorded audio) for the audio-reactive example.

Two bars of 4/4 at 120 BPM (4 s, 22050 Hz, mono, 16-bit): a kick on every beat (a 50-110 Hz
sweep with a fast decay), a snare on beats 2 and 4 (noise and 200 Hz), hi-hats on the
off-beats (high-passed noise). Deterministic (fixed seed): `python3 make_loop.py`.
"""

import math
import random
import struct
import wave

RATE = 22050
BPM = 120
BARS = 2
beat = 60 / BPM
n = int(RATE * beat * 4 * BARS)
out = [0.0] * n
rng = random.Random(11)


def add(start, seconds, f):
    s = int(start * RATE)
    for i in range(int(seconds * RATE)):
        if s + i < n:
            out[s + i] += f(i / RATE)


def kick(t):
    phase = 2 * math.pi * (50 * t + 60 * (1 - math.exp(-t * 30)) / 30)
    return 0.9 * math.exp(-t * 9) * math.sin(phase)


def snare(t):
    return math.exp(-t * 18) * (0.35 * (rng.random() * 2 - 1) + 0.25 * math.sin(2 * math.pi * 200 * t))


prev = [0.0]


def hat(t):
    x = rng.random() * 2 - 1
    y = x - prev[0]  # a first difference: most of the energy above 5 kHz
    prev[0] = x
    return 0.18 * math.exp(-t * 60) * y


for b in range(4 * BARS):
    t = b * beat
    add(t, 0.5, kick)
    if b % 2 == 1:
        add(t, 0.3, snare)
    add(t + beat / 2, 0.1, hat)

peak = max(abs(x) for x in out)
with wave.open("loop.wav", "wb") as w:
    w.setnchannels(1)
    w.setsampwidth(2)
    w.setframerate(RATE)
    w.writeframes(b"".join(struct.pack("<h", int(32767 * 0.95 * x / peak)) for x in out))
