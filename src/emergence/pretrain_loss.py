"""Pretraining loss of a checkpoint: mean next-token NLL (nats/token) on held-out text."""
from __future__ import annotations

import json




def read_texts(path, limit: int) -> list[str]:
    """Held-out text: a .jsonl with a "text" field per line, a plain .txt (one per line), or
    a datasets spec {dataset, name, split, data_files, text_field} (streamed, first `limit`).

    In a spec, `data_files` given as a file (or list) are the files of `split`: `datasets`
    would otherwise file them under "train" and fail on split: validation (C4's layout)."""
    if isinstance(path, dict):
        import datasets

        files = path.get("data_files")
        if files is not None and not isinstance(files, dict):
            files = {path["split"]: files}
        ds = datasets.load_dataset(path["dataset"], path.get("name"), split=path["split"],
                                   data_files=files, streaming=True)
        field = path.get("text_field", "text")
        texts = []
        for row in ds:
            if field not in row:
                raise ValueError(f"{path['dataset']}: rows have no field {field!r} (fields: {sorted(row)}); "
                                 "set text_field")
            texts.append(row[field])
            if len(texts) >= limit:
                break
        if not texts:
            raise ValueError(f"{path['dataset']} ({path['split']}): no held-out text found")
        return texts
    texts = []
    with open(path) as f:
        for i, line in enumerate(f):
            if not line.strip():
                continue
            if path.endswith(".jsonl"):
                try:
                    texts.append(json.loads(line)["text"])
                except (json.JSONDecodeError, KeyError) as e:
                    raise ValueError(f"{path}:{i + 1}: expected a JSON object with a 'text' field ({e})") from None
            else:
                texts.append(line.rstrip("\n"))
            if len(texts) >= limit:
                break
    if not texts:
        raise ValueError(f"{path}: no held-out text found")
    return texts


def heldout_loss(model, tok, texts: list[str], seq_len: int, batch_size: int = 64, device: str = "cpu") -> float:
    """Token-weighted mean NLL over texts, each truncated to seq_len tokens."""
    import torch

    total, count = 0.0, 0
    pad = tok.pad_token_id if tok.pad_token_id is not None else 0
    for i in range(0, len(texts), batch_size):
        enc = [tok(t, add_special_tokens=False).input_ids[:seq_len] for t in texts[i:i + batch_size]]
        enc = [e for e in enc if len(e) > 1]
        width = max(len(e) for e in enc)
        x = torch.full((len(enc), width), pad, dtype=torch.long)
        m = torch.zeros((len(enc), width), dtype=torch.long)
        for j, e in enumerate(enc):
            x[j, :len(e)], m[j, :len(e)] = torch.tensor(e), 1
        x, m = x.to(device), m.to(device)
        with torch.no_grad():
            logits = model(input_ids=x, attention_mask=m).logits[:, :-1].float()
        nll = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), x[:, 1:].reshape(-1),
                                                reduction="none").view(x.size(0), -1)
        keep = m[:, 1:].float()
        total += float((nll * keep).sum())
        count += int(keep.sum())
    return total / count


def flops(params: float, tokens: float) -> float:
    """Training compute, C = 6 N T."""
    return 6.0 * float(params) * float(tokens)


