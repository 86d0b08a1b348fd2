"""Language models behind one small protocol (see :mod:`dualmind.llm.protocol`).

Backends: ``openai`` (any OpenAI-compatible HTTP server), ``embedded`` (SmolLM2 run
in-process by llama-cpp-python), ``learned`` (a small intent + slot interpreter over
sentence embeddings), and ``scripted`` (canned answers, for tests only).
"""
