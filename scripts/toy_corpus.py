"""Rule toy_corpus: the held-out split of the generated corpus, as JSONL text."""
import json

from emergence import runtime

log = runtime.setup(snakemake.log[0])
from emergence import io, toy
runtime.begin_work()

cc = toy.CorpusConfig(**snakemake.params.corpus)
texts = toy.heldout_texts(cc, snakemake.params.n, snakemake.params.seed)
io.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), snakemake.output[0])
log.info(f"wrote {len(texts)} held-out sequences")
