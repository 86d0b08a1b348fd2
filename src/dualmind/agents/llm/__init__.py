"""The LLM minds: a Qwen2.5-Coder slow mind that reads the human, and a fast mind that
scores the macros possible now by likelihood. Prompts are data files in ``prompts/``."""
