"""From a creator's prompt to a `WorldSpec`, plus example prompts for training and held-out evaluation.

Contract:
- `spec_from_prompt(prompt, mechanics, seed, camera=None) -> WorldSpec`: theme = the THEMES entry whose
  description (and training example prompts) is nearest to the prompt by MiniLM cosine similarity; camera =
  the explicit argument, else what the prompt says ("platformer", "side-scrolling" / "top-down",
  "overhead", ...), else derived from the seed. Unknown mechanic or camera ids raise ValueError. A blank
  prompt picks the theme from the seed. Deterministic for a given (prompt, mechanics, seed, camera).
- `EXAMPLE_PROMPTS[theme]` lists varied prompts; `TRAIN_PROMPTS` / `HELDOUT_PROMPTS` split them (the last
  HELDOUT_PER_THEME of each theme are held out and never used as matching anchors).
- `random_spec(rng)` samples a spec for corpus generation; `sample_prompt(spec, rng, split)` a prompt.
- The first call loads MiniLM (seconds); call `warm_up()` at process start to pay that up front.
  Decisions per distinct prompt are cached.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

from inference.corpus.spec import CAMERAS, MECHANICS, THEMES, WorldSpec

HELDOUT_PER_THEME = 2

EXAMPLE_PROMPTS: dict[str, tuple[str, ...]] = {
    "forest": (
        "a peaceful green forest with a small pond",
        "enchanted woods full of oak trees",
        "a walk through a sunny woodland glade",
        "hidden cabin deep in the pine and birch forest",
        "mossy forest trail with mushrooms and streams",
        "elf village among giant old trees",
        "a quiet grove where deer drink from a brook",
        "lush green woodland with winding paths",
    ),
    "desert": (
        "a scorching desert with cactus and sand dunes",
        "ancient pyramids in the sahara",
        "wild west canyon with tumbleweeds",
        "an oasis hidden among golden dunes",
        "dusty badlands under a burning sun",
        "camel caravan crossing endless sand",
        "sandstone temple in a dry arid wasteland",
        "sun-baked dunes stretching to the horizon",
    ),
    "snow": (
        "a snowy mountain village",
        "frozen tundra with ice and snowdrifts",
        "christmas winter wonderland with pine trees",
        "arctic expedition across glaciers",
        "cozy ski resort in the alps",
        "penguins on an icy frozen lake",
        "a blizzard sweeping over the frosty peaks",
        "igloos on a white snowfield",
    ),
    "ocean": (
        "tropical island beach with palm trees",
        "pirate treasure on a sandy cove",
        "sunny archipelago in the blue sea",
        "surfing paradise with turquoise waves",
        "coral lagoon and seashells on the shore",
        "a shipwreck on a desert island",
        "hawaiian beach resort by the ocean",
        "little islands scattered across a sparkling sea",
    ),
    "neon_city": (
        "cyberpunk city at night with neon signs",
        "futuristic metropolis with glowing billboards",
        "rainy neon streets of tokyo in 2099",
        "synthwave downtown with pink and cyan lights",
        "hacker alleyways under holographic ads",
        "blade runner style megacity",
        "a glowing arcade district after midnight",
        "vaporwave skyline of skyscrapers",
    ),
    "lava_cave": (
        "volcanic cave with rivers of lava",
        "inside an erupting volcano",
        "fiery underworld full of magma and smoke",
        "dragon lair deep under the mountain with fire",
        "molten forge caverns glowing red",
        "obsidian tunnels beneath a volcano",
        "a hellish pit of burning rock and embers",
        "walking on basalt over a sea of magma",
    ),
    "candy": (
        "a land made of candy and sweets",
        "gingerbread village with gumdrops",
        "lollipop forest with chocolate rivers",
        "cupcake kingdom covered in frosting",
        "sugar rush world with rainbow sprinkles",
        "ice cream mountains and cotton candy clouds",
        "willy wonka style chocolate factory garden",
        "a pink dessert wonderland of bonbons",
    ),
    "space_station": (
        "orbital space station with robots",
        "sci-fi spaceship corridors and airlocks",
        "a moon base with control rooms",
        "starship bridge drifting in deep space",
        "abandoned research lab in orbit",
        "futuristic space colony hangar",
        "metal decks of an interstellar cruiser",
        "zero gravity laboratory among the stars",
    ),
    "jungle": (
        "dense jungle with ancient temple ruins",
        "amazon rainforest with waterfalls",
        "tropical jungle full of parrots and vines",
        "lost aztec city in the rainforest",
        "monkeys swinging through giant leaves",
        "explorer trekking through thick vegetation",
        "steamy tropical rainforest canopy",
        "overgrown ruins swallowed by jungle plants",
    ),
    "swamp": (
        "murky swamp with fireflies",
        "foggy bayou with alligators and cypress trees",
        "a witch's hut in a misty marsh",
        "muddy bog full of frogs and reeds",
        "creepy wetland with dead trees and moss",
        "shrek style swamp with a mud pond",
        "glowing mushrooms in a damp marshland",
        "stagnant green bog at dusk",
    ),
    "autumn": (
        "autumn forest with falling orange leaves",
        "pumpkin patch during harvest season",
        "cozy fall countryside with red maple trees",
        "thanksgiving farm with golden leaves",
        "october woods carpeted in leaves",
        "a crisp fall afternoon in the orchard",
        "maple grove in red and gold",
        "harvest festival among amber trees",
    ),
    "castle": (
        "medieval castle with knights and towers",
        "a stone fortress with a drawbridge and moat",
        "king's palace courtyard with banners",
        "dungeon halls beneath an old keep",
        "a fantasy kingdom citadel on a hill",
        "ruined battlements of a besieged castle",
        "throne room corridors lit by torches",
        "crusader stronghold with high stone walls",
    ),
    "graveyard": (
        "haunted graveyard at midnight",
        "spooky cemetery with ghosts and tombstones",
        "halloween night with jack-o-lanterns",
        "a creepy haunted mansion garden",
        "zombies rising from old graves",
        "eerie crypt under a full moon",
        "ghost town necropolis shrouded in fog",
        "vampire's cemetery with crooked crosses",
    ),
    "crystal_cave": (
        "glowing crystal cave",
        "underground mine full of gems and amethyst",
        "sparkling geode caverns",
        "fairy grotto with luminous crystals",
        "diamond mine deep in the earth",
        "cave of shimmering blue and purple minerals",
        "subterranean gem mine lit by quartz",
        "a cavern of glittering sapphires",
    ),
    "meadow": (
        "spring meadow full of flowers and bees",
        "a cheerful farm with a red barn",
        "rolling fields of tulips and butterflies",
        "countryside farm with hay bales and cows",
        "sunny flower garden in springtime",
        "picnic on a blooming hillside",
        "pastoral farmland in the green countryside",
        "wildflower prairie on a bright spring day",
    ),
    "sky_islands": (
        "floating islands in the sky",
        "kingdom above the clouds",
        "hot air balloons over fluffy clouds",
        "heavenly cloud city with rainbows",
        "airship journey between sky islands",
        "castle in the clouds high above the world",
        "soaring among the cumulus clouds",
        "drifting cloud platforms in a bright blue sky",
    ),
}

TRAIN_PROMPTS: dict[str, tuple[str, ...]] = {t: p[:-HELDOUT_PER_THEME] for t, p in EXAMPLE_PROMPTS.items()}
HELDOUT_PROMPTS: dict[str, tuple[str, ...]] = {t: p[-HELDOUT_PER_THEME:] for t, p in EXAMPLE_PROMPTS.items()}

_SIDE_WORDS = re.compile(
    r"\b(platform(?:er|ing)?|side[- ]?(?:scroll(?:er|ing)?|view|on)|jump(?:'?n'?| and) ?run"
    r"|run(?:ning)? and jump(?:ing)?|2d platform|mario[- ]like|metroidvania|sidescroll\w*)\b",
    re.I,
)
_TOP_WORDS = re.compile(
    r"\b(top[- ]?down|overhead|bird'?s[- ]eye|from above|isometric|zelda[- ]like"
    r"|pok[eé]mon[- ]like|rpg|top view|looking down)\b",
    re.I,
)
_CAMERA_ANCHORS = {
    "side": (CAMERAS["side"][1], "a side-scrolling platformer game", "jump between platforms, side view"),
    "topdown": (CAMERAS["topdown"][1], "a top-down adventure game seen from above", "overhead map view rpg"),
}
CAMERA_MARGIN = 0.06  # similarity margin needed before the prompt's wording decides the camera
CAMERA_MIN_SIM = 0.35

_lock = threading.Lock()
_anchor_cache: dict[str, tuple[list[str], np.ndarray, np.ndarray]] = {}


def _anchors(kind: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(ids, owner index per anchor row, embeddings) for 'theme' or 'camera' anchors, embedded once."""
    if kind not in _anchor_cache:
        with _lock:
            if kind not in _anchor_cache:
                from inference.text_encoder import encode

                if kind == "theme":
                    groups = {t: (th.description, th.label, *TRAIN_PROMPTS[t]) for t, th in THEMES.items()}
                else:
                    groups = dict(_CAMERA_ANCHORS)
                ids = list(groups)
                owner = np.array([i for i, g in enumerate(ids) for _ in groups[g]])
                emb = encode([text for g in ids for text in groups[g]])
                _anchor_cache[kind] = (ids, owner, emb)
    return _anchor_cache[kind]


def _scores(kind: str, prompt: str) -> dict[str, float]:
    """Per id: 0.5 * similarity to its first anchor (the description) + 0.5 * best similarity to any anchor."""
    from inference.text_encoder import encode

    ids, owner, emb = _anchors(kind)
    sims = emb @ encode([prompt])[0]
    out = {}
    for i, tid in enumerate(ids):
        s = sims[owner == i]
        out[tid] = float(0.5 * s[0] + 0.5 * s.max())
    return out


def theme_scores(prompt: str) -> dict[str, float]:
    """Similarity of `prompt` to every theme (higher is closer)."""
    return _scores("theme", prompt)


def warm_up() -> None:
    """Load MiniLM and embed the theme and camera anchors now (e.g. at worker start) instead of on the
    first `spec_from_prompt` call, which otherwise takes several seconds."""
    _anchors("theme")
    _anchors("camera")


@lru_cache(maxsize=2048)
def match_theme(prompt: str) -> str:
    scores = theme_scores(prompt)
    return max(sorted(scores), key=scores.__getitem__)


@lru_cache(maxsize=2048)
def camera_from_prompt(prompt: str) -> str | None:
    """The camera the prompt asks for, or None when it does not say."""
    side, top = bool(_SIDE_WORDS.search(prompt)), bool(_TOP_WORDS.search(prompt))
    if side != top:
        return "side" if side else "topdown"
    scores = _scores("camera", prompt)
    best = max(sorted(scores), key=scores.__getitem__)
    other = min(scores.values())
    if scores[best] >= CAMERA_MIN_SIM and scores[best] - other >= CAMERA_MARGIN:
        return best
    return None


def _seed_pick(seed: int, options: list[str], salt: int) -> str:
    """A well-mixed (splitmix64) deterministic choice from `options` for this seed and purpose."""
    m = (1 << 64) - 1
    x = (seed + salt * 0x9E3779B97F4A7C15 + 0x9E3779B97F4A7C15) & m
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & m
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & m
    return options[(x ^ (x >> 31)) % len(options)]


def spec_from_prompt(
    prompt: str, mechanics: Iterable[str], seed: int, camera: str | None = None
) -> WorldSpec:
    """Build the WorldSpec for a creator's prompt (see the module docstring)."""
    if isinstance(mechanics, str):
        raise ValueError(f"mechanics must be a collection of ids, not the string {mechanics!r}")
    mechs = frozenset(mechanics)
    unknown = sorted(str(m) for m in mechs if m not in MECHANICS)
    if unknown:
        raise ValueError(f"unknown mechanic(s) {unknown}; expected ids from {sorted(MECHANICS)}")
    if camera is not None and camera not in CAMERAS:
        raise ValueError(f"unknown camera {camera!r}; expected one of {sorted(CAMERAS)}")
    prompt = (prompt or "").strip()
    theme = match_theme(prompt) if prompt else _seed_pick(seed, sorted(THEMES), 1)
    if camera is None:
        camera = (camera_from_prompt(prompt) if prompt else None) or _seed_pick(seed, sorted(CAMERAS), 2)
    return WorldSpec(theme=theme, mechanics=mechs, camera=camera, seed=int(seed))


def random_spec(rng: np.random.Generator, mechanic_p: float = 0.5) -> WorldSpec:
    """A uniformly random theme and camera, each mechanic on with probability `mechanic_p`."""
    themes, cams, mechs = sorted(THEMES), sorted(CAMERAS), sorted(MECHANICS)
    theme = themes[int(rng.integers(len(themes)))]
    camera = cams[int(rng.integers(len(cams)))]
    on = rng.random(len(mechs)) < mechanic_p
    return WorldSpec(
        theme, frozenset(m for m, o in zip(mechs, on, strict=True) if o), camera, int(rng.integers(2**31))
    )


_CAMERA_PHRASES = {
    "side": ("side-scrolling platformer", "2D platformer", "side view"),
    "topdown": ("top-down", "overhead view", "seen from above"),
}


def sample_prompt(spec: WorldSpec, rng: np.random.Generator, split: str = "train") -> str:
    """A natural prompt for `spec` from the given split ('train' or 'heldout'), sometimes naming the camera."""
    pool = (TRAIN_PROMPTS if split == "train" else HELDOUT_PROMPTS)[spec.theme]
    text = pool[int(rng.integers(len(pool)))]
    if rng.random() < 0.4:
        phrases = _CAMERA_PHRASES[spec.camera]
        text = f"{text}, {phrases[int(rng.integers(len(phrases)))]}"
    return text
