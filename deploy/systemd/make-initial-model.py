#!/usr/bin/env python3
"""Writes an EdgeFL model file (one `model` payload) for the default MLP, standard library only."""
import math, random, struct, sys, time

def pack(obj, out):
    if obj is None: out += b"\xc0"
    elif obj is True: out += b"\xc3"
    elif obj is False: out += b"\xc2"
    elif isinstance(obj, int):
        if 0 <= obj < 128: out += bytes([obj])
        elif 0 <= obj < 2**32: out += b"\xce" + struct.pack(">I", obj)
        elif 0 <= obj < 2**64: out += b"\xcf" + struct.pack(">Q", obj)
        else: out += b"\xd3" + struct.pack(">q", obj)
    elif isinstance(obj, float): out += b"\xcb" + struct.pack(">d", obj)
    elif isinstance(obj, str):
        b = obj.encode("utf-8")
        out += (bytes([0xa0 | len(b)]) if len(b) < 32 else b"\xd9" + bytes([len(b)])) + b
    elif isinstance(obj, (bytes, bytearray)):
        n = len(obj)
        out += (b"\xc4" + bytes([n]) if n < 256 else b"\xc5" + struct.pack(">H", n) if n < 65536
                else b"\xc6" + struct.pack(">I", n)) + obj
    elif isinstance(obj, list):
        out += (bytes([0x90 | len(obj)]) if len(obj) < 16 else b"\xdc" + struct.pack(">H", len(obj)))
        for x in obj: pack(x, out)
    elif isinstance(obj, dict):
        out += (bytes([0x80 | len(obj)]) if len(obj) < 16 else b"\xde" + struct.pack(">H", len(obj)))
        for k, v in obj.items(): pack(k, out); pack(v, out)
    else: raise TypeError(type(obj))
    return out

def f32(name, shape, values):
    return {"name": name, "dtype": "f32", "shape": shape, "data": struct.pack(f"<{len(values)}f", *values)}

def linear(prefix, fan_in, fan_out, rng):
    bound = 1 / math.sqrt(fan_in)          # PyTorch's default nn.Linear initialisation range
    w = [rng.uniform(-bound, bound) for _ in range(fan_out * fan_in)]
    b = [rng.uniform(-bound, bound) for _ in range(fan_out)]
    return [f32(f"{prefix}.weight", [fan_out, fan_in], w), f32(f"{prefix}.bias", [fan_out], b)]

if __name__ == "__main__":
    path = sys.argv[1] if len(sys.argv) > 1 else "initial-model.msgpack"
    rng = random.Random(42)
    # EdgeMlp (src/Training/Models/EdgeMlp.cs): 784 -> 32 -> 16 -> 10; state-dict names net.0, net.3, net.6
    tensors = linear("net.0", 784, 32, rng) + linear("net.3", 32, 16, rng) + linear("net.6", 16, 10, rng)
    message = {"v": 1, "t": "model", "model_id": "fmnist-mlp", "round": 0, "source": "cloud",
               "total_samples": 0, "issued_at": int(time.time() * 1000), "tensors": tensors}
    with open(path, "wb") as f:
        f.write(pack(message, bytearray()))
    print(f"wrote {path}")
