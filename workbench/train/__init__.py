"""Training: run config, run directories, the detached launcher, and the trainer process.

torch, transformers, trl and peft are only imported by `worker`, `trainer` and `data`,
which run in the training process, never in the app.
"""
