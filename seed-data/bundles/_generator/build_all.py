"""Regenerates every demo bundle: python3 build_all.py (deterministic: fixed seeds, fixed git dates)."""
import b101, b102, b103, b104, b105, b106

for mod in (b101, b102, b103, b104, b105, b106):
    print(mod.generate())
