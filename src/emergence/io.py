"""Atomic, stable writes: every table and JSON a stage produces goes through here, so a killed
job never leaves a complete-looking partial file and reruns are byte-identical."""
from __future__ import annotations

import json
import math
import os
import tempfile

import numpy as np


def json_safe(x):
    """JSON-safe and stable: floats rounded to 6 decimals, NaN/inf -> None."""
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return round(x, 6) + 0.0 if math.isfinite(x) else None  # + 0.0 turns -0.0 into 0.0
    return x


def write_text(text: str, path: str) -> None:
    """Temp file in the same folder, then rename."""
    d = os.path.dirname(os.path.abspath(path))
    os.makedirs(d, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tmp.", suffix=os.path.splitext(path)[1])
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # mkstemp makes 0600: results are for every reader, as open() would
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_json(obj, path: str) -> None:
    """Sorted keys, rounded floats (json_safe), no NaN."""
    write_text(json.dumps(json_safe(obj), sort_keys=True, indent=2, allow_nan=False) + "\n", path)


def write_csv(df, path: str) -> None:
    """A table with a fixed float format and line ending."""
    write_text(df.to_csv(index=False, float_format="%.10g", lineterminator="\n"), path)
