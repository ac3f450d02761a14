"""Rule toy: pretrain one size of the toy series, saving checkpoints every save_every steps."""
import pandas as pd

from emergence import runtime

# torch keeps one thread (a second slows a tiny model); further cores go to the chunked loss's
# workers, which give the same bits (emergence.chunked_ce)
log = runtime.setup(snakemake.log[0], 1)
from emergence import io, toy

runtime.preload(lm_eval=False, peft=False)
runtime.begin_work()
p = snakemake.params
train = dict(p.train)
every = train.pop("save_every", 50)
tc = toy.TrainConfig(**train, seed=p.seed)
tc.save_steps = list(range(every, tc.steps + 1, every))
records = toy.pretrain(toy.CorpusConfig(**p.corpus), toy.ModelConfig(**p.model), tc,
                       snakemake.output.ckpts, log=log.info, workers=snakemake.threads)
io.write_csv(pd.DataFrame(records), snakemake.output.manifest)
