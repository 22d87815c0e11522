"""Evaluation: scoring tool calls against gold (pure, no model) and evaluating a model."""
