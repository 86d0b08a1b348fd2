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
  sequence per candidate, and the candidates' tokens go into the same batch as the
  prompt's new tokens, as a prefix tree (a shared prefix is decoded once). The mean, not
  the sum, so that a short candidate (``wait``) does not win for being short; or, with
  ``until_distinct``, the sum up to the token where a candidate parts from the others,
  which is the probability of that branch and needs almost no decoding.
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

    def score(self, options: list[list[int]], until_distinct: bool = False) -> list[tuple[float, int]]:
        """(sum of log-probabilities, tokens scored) of each option after sequence 0's
        prompt. The options' tokens are decoded as a prefix tree (:func:`token_tree`): a
        prefix shared by several options is decoded once, for all their sequences, and an
        option's last scored token is never decoded (it predicts nothing we score)."""
        if self.last_logits is None:
            raise BackendError("score() before set_prompt()")
        n = len(self.prefix)
        out: list[tuple[float, int]] = []
        group = self.n_seq - 1
        for g in range(0, len(options), group):
            chunk = options[g:g + group]
            lengths, nodes = token_tree(chunk, until_distinct)
            if len(nodes) > self.n_batch:
                raise BackendOutputError("candidates too long for one batch")
            for s in range(1, self.n_seq):
                self.llama_cpp.llama_memory_seq_rm(self.mem, s, -1, -1)
            for i in range(len(chunk)):  # each option's sequence shares the prompt's cells
                self.llama_cpp.llama_memory_seq_cp(self.mem, 0, i + 1, -1, -1)
            if nodes:
                self._decode_tree([(prefix[-1], n + len(prefix) - 1, [i + 1 for i in seqs], True)
                                   for prefix, seqs in nodes.items()])
            row = {prefix: j for j, prefix in enumerate(nodes)}
            rows: dict[int, tuple[np.ndarray, float]] = {}  # batch row -> (logits, log Z)
            for ids, length in zip(chunk, lengths, strict=True):
                total = sum(self._logprob(rows, row[tuple(ids[:k])] if k else -1, ids[k])
                            for k in range(length))
                out.append((total, length))
        for s in range(1, self.n_seq):
            self.llama_cpp.llama_memory_seq_rm(self.mem, s, -1, -1)
        return out

    def prompt_and_score(self, ids: list[int], options: list[list[int]], until_distinct: bool = False
                         ) -> tuple[int, list[tuple[float, int]]]:
        """:meth:`set_prompt` then :meth:`score` in one llama_decode: the prompt's new tokens
        go into every option's sequence as well as sequence 0, so the options' tokens, at
        later positions in the same batch, see them (each llama_decode call costs tens of
        milliseconds on top of its tokens). Falls back to two calls when it does not fit
        one batch. Returns (prompt tokens evaluated, scores)."""
        common = 0
        for a, b in zip(self.prefix, ids, strict=False):
            if a != b:
                break
            common += 1
        lengths, nodes = token_tree(options, until_distinct)
        cached = common == len(ids) == len(self.prefix) and self.last_logits is not None
        if cached or len(options) >= self.n_seq or len(ids) >= self.n_ctx \
                or len(ids) - common + len(nodes) > self.n_batch:
            return self.set_prompt(ids), self.score(options, until_distinct)
        common = min(common, len(ids) - 1)  # re-evaluate at least the last token for its logits
        seqs = list(range(1, len(options) + 1))
        for s in range(1, self.n_seq):
            self.llama_cpp.llama_memory_seq_rm(self.mem, s, -1, -1)
        self.llama_cpp.llama_memory_seq_rm(self.mem, 0, common, -1)
        for s in seqs:  # the cached part of the prompt, shared by reference
            self.llama_cpp.llama_memory_seq_cp(self.mem, 0, s, -1, -1)
        todo = ids[common:]
        n = len(ids)
        items = [(t, common + k, [0, *seqs], k == len(todo) - 1) for k, t in enumerate(todo)]
        items += [(prefix[-1], n + len(prefix) - 1, [i + 1 for i in members], True)
                  for prefix, members in nodes.items()]
        self.prefix = []  # unknown until the decode succeeds
        self._decode_tree(items)
        self.prefix = list(ids)
        self.last_logits = self._logits(len(todo) - 1)
        row = {prefix: len(todo) + j for j, prefix in enumerate(nodes)}
        rows: dict[int, tuple[np.ndarray, float]] = {}
        out = []
        for option, length in zip(options, lengths, strict=True):
            total = sum(self._logprob(rows, row[tuple(option[:k])] if k else -1, option[k])
                        for k in range(length))
            out.append((total, length))
        for s in seqs:
            self.llama_cpp.llama_memory_seq_rm(self.mem, s, -1, -1)
        return len(todo), out

    def _logprob(self, rows: dict[int, tuple[np.ndarray, float]], j: int, tok: int) -> float:
        """log P(tok) from batch row ``j`` (-1: the prompt's last logits), each row's
        normaliser computed once."""
        if j not in rows:
            logits = self.last_logits if j < 0 else self._logits(j)
            top = float(logits.max())
            rows[j] = (logits, top + float(np.log(np.exp(logits - top).sum())))
        logits, z = rows[j]
        return float(logits[tok]) - z

    def _decode_tree(self, items: list[tuple[int, int, list[int], bool]]) -> None:
        """One llama_decode of (token, position, sequences, wants logits) items: a token in
        several sequences is stored once and seen by all of them."""
        b = self.batch
        b.n_tokens = len(items)
        for j, (tok, pos, seqs, want) in enumerate(items):
            b.token[j], b.pos[j], b.n_seq_id[j], b.logits[j] = tok, pos, len(seqs), want
            for k, seq in enumerate(seqs):
                b.seq_id[j][k] = seq
        code = self.llama_cpp.llama_decode(self.ctx, b)
        if code != 0:
            raise BackendOutputError(f"llama_decode failed ({code})")


def token_tree(options: list[list[int]], until_distinct: bool = False
               ) -> tuple[list[int], dict[tuple[int, ...], list[int]]]:
    """How many tokens of each option to score, and the prefixes to decode for that, each
    with the options it belongs to, parents before children.

    Option ``i``'s token ``k`` is scored from the logits after its first ``k`` tokens, so
    the prefixes of length 1 .. scored-1 are decoded. With ``until_distinct`` an option is
    scored only up to the first token no other option shares: past it, the option is
    already told apart (``cook(al`` can only go on ``ice)``), and those tokens cost a
    decode each without changing the choice much."""
    lengths = []
    for i, ids in enumerate(options):
        length = len(ids)
        if until_distinct:
            shared = 0
            for j, other in enumerate(options):
                if j != i:
                    k = 0
                    while k < min(len(ids), len(other)) and ids[k] == other[k]:
                        k += 1
                    shared = max(shared, k)
            length = min(len(ids), shared + 1)
        lengths.append(length)
    nodes: dict[tuple[int, ...], list[int]] = {}
    for i, (ids, length) in enumerate(zip(options, lengths, strict=True)):
        for k in range(1, length):
            nodes.setdefault(tuple(ids[:k]), []).append(i)
    return lengths, nodes


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
        self._fixed = 0  # tokens of the prefix :meth:`warm` holds evaluated (see :meth:`rewind`)
        self._fixed_scoring = 0  # and of the one :meth:`prime` holds

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
                    self.llm.n_tokens = self._fixed = len(ids)
                    return time.perf_counter() - start
                path.unlink(missing_ok=True)  # another llama.cpp build wrote it: redo
            self.llm.reset()
            self.llm.eval(ids)
            self._fixed = len(ids)
            size = llama_cpp.llama_state_get_size(ctx)
            buf = (ctypes.c_uint8 * size)()
            n = llama_cpp.llama_state_get_data(ctx, buf, size)
            _save_state(path, bytes(buf)[:n])
        return time.perf_counter() - start

    def rewind(self) -> None:
        """Forget every prompt since the fixed prefix (:meth:`warm`, :meth:`prime`): the
        next call evaluates all that follows it, as the first call of a fresh process would.

        Called when a game starts, so that what a game's calls cost does not depend on the
        game a process played before. Without it, "tokens" latency (the prompt tokens
        llama.cpp evaluates) charged a game's first calls for what the last prompt of the
        previous game left in the cache, and the same seed played in another order in an
        evaluation's workers could go another way (3 of 80 HLA games of the LLM grid).
        Dropping the tail costs nothing: the prefix stays evaluated."""
        with self._lock:
            if self._fixed and self.llm.n_tokens > self._fixed:
                self.llm.n_tokens = self._fixed  # llama-cpp-python drops the rest on its next eval
            scorer = self.scorer
            if scorer is not None and self._fixed_scoring and len(scorer.prefix) > self._fixed_scoring:
                scorer.prefix, scorer.last_logits = scorer.prefix[:self._fixed_scoring], None

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

    def prime(self, prefix: str) -> float:
        """Have the scoring context hold the fixed start of the prompts :meth:`score` will
        see. Evaluated once (7 s for the fast mind's ~570 tokens on one busy core), then
        kept in the model cache (``<name>-score-<hash>.kv``) and read back by later
        processes. Returns the seconds it took."""
        import hashlib

        import llama_cpp

        from dualmind.llm.weights import cache_dir

        start = time.perf_counter()
        if self.scorer is None:
            return 0.0
        ids = self.tokenize(prefix)
        key = f"{llama_cpp.__version__}|{self.path.name}|score|{self.scorer.n_ctx}|{prefix}"
        path = cache_dir() / f"{self.name}-score-{hashlib.sha256(key.encode()).hexdigest()[:16]}.kv"
        scorer = self.scorer
        with self._lock:
            if path.is_file():
                data = path.read_bytes()
                buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
                scorer.llama_cpp.llama_memory_seq_rm(scorer.mem, 0, -1, -1)
                if llama_cpp.llama_state_seq_set_data(scorer.ctx, buf, len(data), 0) == len(data):
                    scorer.prefix, scorer.last_logits = ids, None  # the next prompt is longer
                    self._fixed_scoring = len(ids)
                    return time.perf_counter() - start
                path.unlink(missing_ok=True)  # another llama.cpp build wrote it: redo
                scorer.llama_cpp.llama_memory_seq_rm(scorer.mem, 0, -1, -1)
                scorer.prefix, scorer.last_logits = [], None
            scorer.set_prompt(ids)
            self._fixed_scoring = len(ids)
            size = llama_cpp.llama_state_seq_get_size(scorer.ctx, 0)
            buf = (ctypes.c_uint8 * size)()
            n = llama_cpp.llama_state_seq_get_data(scorer.ctx, buf, size, 0)
            _save_state(path, bytes(buf)[:n])
        return time.perf_counter() - start

    def score(self, prompt: str, options: list[str], timeout: float = 30.0,
              until_distinct: bool = False) -> Completion:
        """Score each option as a continuation of ``prompt`` (raw text, chat template
        included). ``value``: each option's mean log-probability per token, in option
        order; with ``until_distinct``, the log-probability of the option's tokens up to
        the first one no other option shares (the probability that the model's answer
        starts down that option's branch, so short and long options compare fairly).
        ``prompt_tokens`` is how many prompt tokens were evaluated (the rest came from the
        cache), ``completion_tokens`` how many option tokens were decoded."""
        if self.scorer is None:
            raise BackendError(f"{self.name} was loaded without a scoring context")
        if not options:
            raise ValueError("nothing to score")
        with self._lock:
            start = time.perf_counter()
            ids = self.tokenize(prompt)
            option_ids = [self.tokenize(o, special=False) or self.tokenize(" ") for o in options]
            evaluated, pairs = self.scorer.prompt_and_score(ids, option_ids, until_distinct)
            end = time.perf_counter()
            if end - start > timeout:  # one llama_decode cannot be interrupted: checked after
                raise BackendTimeout(f"{self.name} took over {timeout:g} s")
        scores = [total if until_distinct else total / length for total, length in pairs]
        decoded = len(token_tree(option_ids, until_distinct)[1])
        return Completion("", scores, end - start, evaluated, decoded, backend=self.name,
                          meta={"prompt_len": len(ids)})


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


def _save_state(path: Path, data: bytes) -> None:
    """Keep a llama.cpp state in the cache for the next process, atomically (a reader never
    sees half a state). A read-only or full cache only costs the next process the prompt
    evaluation again, so that error is not raised."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        pass
