"""The embedded Qwen2.5-Coder models (1.5B slow mind, 0.5B fast mind), in-process.

One long-lived ``llama_cpp.Llama`` per model per process (:func:`shared_backend`), so
llama.cpp keeps the key/value cache of the last prompt: a prompt that starts with the
same fixed text as the last one is evaluated only from where it differs. Prompts are
therefore laid out fixed text first, game state last and compact.

Two ways to answer:

* :meth:`QwenBackend.complete` -- the :class:`~dualmind.llm.protocol.Backend` protocol:
  generation constrained at decode time by a grammar (a set of choices, or a JSON
  schema), so the answer is always inside the vocabulary.
* :meth:`QwenBackend.score` -- the mean per-token log-likelihood of each of several
  candidate continuations of one prompt, all in one batched decode: the prompt is
  evaluated once (or only its new tail) in sequence 0, copied by reference into one
  sequence per candidate, and every candidate's tokens go into a single batch. The mean,
  not the sum, so that a short candidate (``wait``) does not win for being short.
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import threading
import time
from pathlib import Path

import numpy as np

from dualmind.errors import BackendError, BackendOutputError, BackendTimeout, ModelMissingError
from dualmind.llm.protocol import Choices, Completion, Constraint, Message, parse_answer
from dualmind.llm.weights import FAST_MODEL, INSTALL_HINT, SLOW_MODEL, model_path

# Threads per model. 1, measured on this 2-core machine while it was shared: llama.cpp's
# threads spin while they wait for each other, so with 2 threads a descheduled thread
# stalls the other (1.5B generation 2.7 tok/s with 2 threads, 17 tok/s with 1; 0.5B 4 vs
# 29), and HLA runs both models at once, one core each. $DUALMIND_THREADS overrides it.
THREADS = int(os.environ.get("DUALMIND_THREADS", "1"))


def chat_prompt(messages: list[Message], answer_prefix: str = "") -> str:
    """ChatML as Qwen2.5 reads it, ready for the assistant's answer."""
    parts = [f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in messages]
    return "".join(parts) + "<|im_start|>assistant\n" + answer_prefix


class _BatchScorer:
    """A second llama.cpp context on the same weights with one sequence per candidate
    (the high-level ``Llama`` context holds a single sequence)."""

    def __init__(self, llm, n_ctx: int, n_seq: int, threads: int, n_batch: int = 512):
        import llama_cpp

        self.llama_cpp, self.n_seq, self.n_batch = llama_cpp, n_seq, n_batch
        params = llama_cpp.llama_context_default_params()
        params.n_ctx, params.n_batch, params.n_ubatch = n_ctx, n_batch, n_batch
        params.n_seq_max = n_seq
        # One KV buffer shared by all sequences: the prompt's cells are stored once and
        # every candidate's sequence refers to them (without it each sequence would get
        # n_ctx / n_seq cells and a copy of the prompt).
        params.kv_unified = True
        params.n_threads = params.n_threads_batch = threads
        self.ctx = llama_cpp.llama_init_from_model(llm.model, params)
        if not self.ctx:
            raise BackendError("llama.cpp could not create the scoring context")
        self.mem = llama_cpp.llama_get_memory(self.ctx)
        self.batch = llama_cpp.llama_batch_init(n_batch, 0, n_seq)
        self.n_vocab = llama_cpp.llama_vocab_n_tokens(llama_cpp.llama_model_get_vocab(llm.model))
        self.n_ctx = n_ctx
        self.prefix: list[int] = []  # tokens held in sequence 0
        self.last_logits: np.ndarray | None = None  # the logits after the prefix's last token

    def close(self) -> None:
        if self.ctx:
            self.llama_cpp.llama_batch_free(self.batch)
            self.llama_cpp.llama_free(self.ctx)
            self.ctx = None

    def _logits(self, i: int) -> np.ndarray:
        ptr = self.llama_cpp.llama_get_logits_ith(self.ctx, i)
        return np.ctypeslib.as_array(ctypes.cast(ptr, ctypes.POINTER(ctypes.c_float)),
                                     shape=(self.n_vocab,)).copy()

    def _decode(self, items: list[tuple[int, int, int, bool]]) -> None:
        """One llama_decode of (token, position, sequence, wants logits) items."""
        b = self.batch
        b.n_tokens = len(items)
        for j, (tok, pos, seq, want) in enumerate(items):
            b.token[j], b.pos[j], b.n_seq_id[j], b.logits[j] = tok, pos, 1, want
            b.seq_id[j][0] = seq
        code = self.llama_cpp.llama_decode(self.ctx, b)
        if code != 0:
            raise BackendOutputError(f"llama_decode failed ({code})")

    def set_prompt(self, ids: list[int]) -> int:
        """Make sequence 0 hold ``ids``, evaluating only what differs from last time.
        Returns how many tokens were evaluated."""
        if len(ids) >= self.n_ctx:
            raise BackendOutputError(f"prompt of {len(ids)} tokens exceeds the context ({self.n_ctx})")
        common = 0
        for a, b in zip(self.prefix, ids, strict=False):
            if a != b:
                break
            common += 1
        if common == len(ids) and self.last_logits is not None and common == len(self.prefix):
            return 0
        common = min(common, len(ids) - 1)  # re-evaluate at least the last token for its logits
        self.llama_cpp.llama_memory_seq_rm(self.mem, 0, common, -1)
        self.prefix = ids[:common]
        todo = ids[common:]
        for start in range(0, len(todo), self.n_batch):
            chunk = todo[start:start + self.n_batch]
            last = start + len(chunk) == len(todo)
            self._decode([(t, common + start + k, 0, last and k == len(chunk) - 1)
                          for k, t in enumerate(chunk)])
            self.prefix = ids[:common + start + len(chunk)]
        self.last_logits = self._logits(-1)
        return len(todo)

    def score(self, options: list[list[int]]) -> list[float]:
        """Mean log-probability per token of each option after sequence 0's prompt."""
        if self.last_logits is None:
            raise BackendError("score() before set_prompt()")
        n = len(self.prefix)
        out: list[float] = []
        group = self.n_seq - 1
        for g in range(0, len(options), group):
            chunk = options[g:g + group]
            if sum(len(o) for o in chunk) > self.n_batch:
                raise BackendOutputError("candidates too long for one batch")
            for s in range(1, self.n_seq):
                self.llama_cpp.llama_memory_seq_rm(self.mem, s, -1, -1)
            items, rows = [], []  # rows[i]: batch index of each logit row option i needs
            for i, ids in enumerate(chunk):
                seq = i + 1
                self.llama_cpp.llama_memory_seq_cp(self.mem, 0, seq, -1, -1)
                need = []
                for k, tok in enumerate(ids):
                    want = k < len(ids) - 1  # the last token predicts nothing we score
                    if want:
                        need.append(len(items))
                    items.append((tok, n + k, seq, want))
                rows.append(need)
            if any(len(ids) > 1 for ids in chunk):
                self._decode(items)
            for ids, need in zip(chunk, rows, strict=True):
                logits = np.stack([self.last_logits] + [self._logits(j) for j in need])
                top = logits.max(axis=1, keepdims=True)
                logz = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
                out.append(float(np.mean([logits[k, t] - logz[k] for k, t in enumerate(ids)])))
        for s in range(1, self.n_seq):
            self.llama_cpp.llama_memory_seq_rm(self.mem, s, -1, -1)
        return out


class QwenBackend:
    """A Qwen2.5-Coder model in-process: grammar-constrained generation and batched
    likelihood scoring. Thread-safe (one call at a time per model)."""

    def __init__(self, model: str = SLOW_MODEL, threads: int = THREADS, n_ctx: int = 2048,
                 max_tokens: int = 64, n_seq: int = 16, path: str | Path | None = None,
                 scoring: bool = True):
        try:
            from llama_cpp import Llama
        except ImportError:
            raise ModelMissingError("llama-cpp-python is not installed: pip install "
                                    f"'dualmind[llm]' and {INSTALL_HINT}") from None
        self.name = model
        self.path = Path(path) if path else model_path(model)
        start = time.perf_counter()
        self.llm = Llama(model_path=str(self.path), n_ctx=n_ctx, n_threads=threads,
                         n_threads_batch=threads, verbose=False, seed=0)
        self.scorer = _BatchScorer(self.llm, n_ctx, n_seq, threads) if scoring else None
        self.load_s = time.perf_counter() - start
        self.max_tokens, self.n_ctx = max_tokens, n_ctx
        self._lock = threading.Lock()

    def warm(self, fixed: list[Message]) -> float:
        """Have llama.cpp hold the fixed opening turns of a prompt evaluated, so the first
        real call evaluates only its own tail. The evaluated state is kept in the model
        cache (``<name>-<hash>.kv``, ~30 KB per token): the fixed text of a 1,500-token
        few-shot prompt costs tens of seconds on 2 cores once, then a ~1 s read per
        process. Returns the seconds it took."""
        import hashlib

        import llama_cpp

        from dualmind.llm.weights import cache_dir

        start = time.perf_counter()
        prefix = "".join(f"<|im_start|>{m.role}\n{m.content}<|im_end|>\n" for m in fixed)
        ids = self.tokenize(prefix)
        key = f"{llama_cpp.__version__}|{self.path.name}|{self.n_ctx}|{prefix}"
        tag = hashlib.sha256(key.encode()).hexdigest()
        path = cache_dir() / f"{self.name}-{tag[:16]}.kv"
        with self._lock:
            ctx = self.llm.ctx
            if path.is_file():
                data = path.read_bytes()
                buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
                if llama_cpp.llama_state_set_data(ctx, buf, len(data)) == len(data):
                    self.llm.input_ids[:len(ids)] = ids
                    self.llm.n_tokens = len(ids)
                    return time.perf_counter() - start
                path.unlink(missing_ok=True)  # another llama.cpp build wrote it: redo
            self.llm.reset()
            self.llm.eval(ids)
            size = llama_cpp.llama_state_get_size(ctx)
            buf = (ctypes.c_uint8 * size)()
            n = llama_cpp.llama_state_get_data(ctx, buf, size)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(bytes(buf)[:n])
                os.replace(tmp, path)  # atomic: a reader never sees half a state
            except OSError:
                pass  # a read-only or full cache only costs the next process this warm-up
        return time.perf_counter() - start

    def close(self) -> None:
        """Free the model, unless a call is running (at exit that call's thread is a
        daemon about to vanish: waiting for it would hold the exit up)."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self.scorer is not None:
                self.scorer.close()
            self.llm.close()
        finally:
            self._lock.release()

    def tokenize(self, text: str, special: bool = True) -> list[int]:
        return self.llm.tokenize(text.encode(), add_bos=False, special=special)

    def complete(self, messages: list[Message], constraint: Constraint,
                 timeout: float = 30.0) -> Completion:
        from llama_cpp import LlamaGrammar, StoppingCriteriaList

        if isinstance(constraint, Choices):
            grammar_text = "root ::= " + " | ".join(json.dumps(o) for o in constraint.options)
            grammar = LlamaGrammar.from_string(grammar_text, verbose=False)
        else:
            grammar = LlamaGrammar.from_json_schema(json.dumps(constraint.schema), verbose=False)
        with self._lock:
            start = time.perf_counter()
            first_token: list[float] = []
            late: list[bool] = []

            def deadline(_ids, _logits) -> bool:
                # Called in Python after each sampled token (a logits processor runs inside a
                # ctypes callback, where an exception is swallowed). The prompt's evaluation
                # cannot be interrupted, so the limit applies to generation, from its start.
                now = time.perf_counter()
                if not first_token:
                    first_token.append(now)
                if now - first_token[0] > timeout:
                    late.append(True)
                    return True
                return False

            prompt = chat_prompt(messages)
            ids = self.tokenize(prompt)
            cached = self.llm.input_ids[:self.llm.n_tokens]
            reused = 0  # llama.cpp evaluates only what follows the last prompt's common prefix
            for a, b in zip(cached, ids, strict=False):
                if a != b:
                    break
                reused += 1
            out = self.llm.create_completion(
                prompt, grammar=grammar, temperature=0.0,
                max_tokens=self.max_tokens, stopping_criteria=StoppingCriteriaList([deadline]))
            end = time.perf_counter()
            if late:
                raise BackendTimeout(f"{self.name} generated for over {timeout:g} s")
        text = out["choices"][0]["text"] or ""
        usage = out.get("usage") or {}
        try:
            value = parse_answer(text, constraint)
        except BackendOutputError as e:  # e.g. cut off by max_tokens inside the JSON
            raise BackendOutputError(f"{self.name}: {e}") from None
        prompt_s = (first_token[0] if first_token else end) - start
        return Completion(text, value, end - start, usage.get("prompt_tokens", 0),
                          usage.get("completion_tokens", 0), backend=self.name,
                          meta={"prompt_s": round(prompt_s, 4), "evaluated_tokens": len(ids) - reused,
                                "generate_s": round(end - start - prompt_s, 4)})

    def prime(self, prefix: str) -> None:
        """Evaluate the fixed start of the prompts :meth:`score` will see (once, at set-up)."""
        if self.scorer is not None:
            with self._lock:
                self.scorer.set_prompt(self.tokenize(prefix))

    def score(self, prompt: str, options: list[str], timeout: float = 30.0) -> Completion:
        """Score each option as a continuation of ``prompt`` (raw text, chat template
        included); ``value`` is the list of mean log-probabilities, in option order."""
        if self.scorer is None:
            raise BackendError(f"{self.name} was loaded without a scoring context")
        if not options:
            raise ValueError("nothing to score")
        with self._lock:
            start = time.perf_counter()
            ids = self.tokenize(prompt)
            evaluated = self.scorer.set_prompt(ids)
            mid = time.perf_counter()
            if mid - start > timeout:
                raise BackendTimeout(f"{self.name} took over {timeout:g} s")
            option_ids = [self.tokenize(o, special=False) or self.tokenize(" ") for o in options]
            scores = self.scorer.score(option_ids)
            end = time.perf_counter()
        return Completion("", scores, end - start, evaluated, sum(map(len, option_ids)),
                          backend=self.name,
                          meta={"prompt_s": round(mid - start, 4), "score_s": round(end - mid, 4)})


_SHARED: dict[str, QwenBackend] = {}
_SHARED_LOCK = threading.Lock()


def shared_backend(model: str) -> QwenBackend:
    """The one backend per model per process (loading takes seconds; the KV cache of the
    last prompt is what makes the next call fast)."""
    with _SHARED_LOCK:
        if model not in _SHARED:
            # The slow mind generates (a long few-shot prompt, no scoring); the fast mind
            # scores candidates (short prompt, a second context with one sequence each).
            slow = model == SLOW_MODEL
            _SHARED[model] = QwenBackend(model, n_ctx=4096 if slow else 2048, scoring=not slow)
        return _SHARED[model]


@atexit.register
def _close_all() -> None:
    """Free the models before the interpreter tears modules down (llama-cpp-python's own
    finalizers otherwise run after its bindings are gone and print a TypeError)."""
    for backend in _SHARED.values():
        backend.close()


def slow_backend() -> QwenBackend:
    return shared_backend(SLOW_MODEL)


def fast_backend() -> QwenBackend:
    return shared_backend(FAST_MODEL)
