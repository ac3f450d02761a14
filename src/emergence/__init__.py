"""emergence: the library behind emergence-suite (Snell et al. 2024, PassUntil, metric chain).

The workflow (Snakefile, rules/, scripts/) imports this package; this package never
imports the workflow.
"""
__version__ = "0.1.0"
