"""What a procedural world is made of: themes, mechanics, cameras and the validated `WorldSpec`.

Contracts (other apps rely on them):
- THEME, MECHANIC and CAMERA ids are stable strings; never rename one (worlds store them).
- `MECHANICS[id] == (label, description)` and `CAMERAS[id] == (label, description)`: shown by the create form.
- `THEMES[id]` is a `Theme`; `Theme.description` is the natural-language text used for prompt matching.
- `WorldSpec(theme, mechanics, camera, seed)` is frozen and hashable; constructing one with an unknown id
  raises ValueError naming the bad value and the valid ones. `mechanics` may be passed as any iterable of
  ids and is stored as a frozenset.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

#: Creator-pickable mechanics: id -> (label, one-line description).
MECHANICS: dict[str, tuple[str, str]] = {
    "gravity": (
        "Gravity & jumping",
        "Press jump to leap; side view is always a platformer, in top-down view you hop over hazards.",
    ),
    "collectibles": ("Collectibles", "Coins, gems, stars and fruit to grab; each one adds to your score."),
    "hazards": (
        "Moving hazards",
        "Creatures patrol the world; touching one knocks you back and costs points.",
    ),
    "weather": (
        "Weather",
        "Rain, snow, embers, leaves or sparks drift across the screen, matching the theme.",
    ),
    "daynight": ("Day & night", "Light cycles from day through dusk to night, when only your lantern glows."),
    "speed": ("Speed boosts", "Arrow pads on the ground launch you into a short burst of double speed."),
}

#: Camera styles: id -> (label, description). The descriptions double as prompt-matching text.
CAMERAS: dict[str, tuple[str, str]] = {
    "topdown": (
        "Top-down",
        "a top-down overhead view looking down on the map from above, like a classic adventure or RPG "
        "game where you walk around in four directions",
    ),
    "side": (
        "Side-scrolling",
        "a side-scrolling platformer seen from the side, running left and right and jumping over gaps "
        "and onto platforms, like a classic jump and run game",
    ),
}


@dataclass(frozen=True)
class Theme:
    """A visual theme: a palette (hex colours) plus the drawing styles of its tiles and sprites.

    The style fields pick painters in `inference.corpus.art`; colours are "#rrggbb".
    """

    id: str
    label: str
    description: str
    sky: tuple[str, str]  # side view gradient: top, horizon
    ground: tuple[str, str, str]  # walkable ground: light, base, dark
    soil: tuple[str, str]  # side-view fill under the surface, top-down paths: base, dark
    obstacle: tuple[str, str, str]  # main, dark, accent (trunk, stem, trim)
    block: tuple[str, str]  # platforms and walls: base, dark
    liquid: tuple[str, str]  # water / lava / void that blocks the way: base, highlight
    deco: tuple[str, str]  # small decorations: two accents
    far: str  # far parallax silhouette
    mid: str  # near parallax silhouette
    collectible: tuple[str, str]  # base, highlight
    hazard: tuple[str, str]  # base, dark
    particle: str
    ground_style: str  # grass | sand | snow | cobble | panel | brick | candy | mud | cloud
    obstacle_style: str  # tree | pine | cactus | rock | crystal | building | tombstone | lollipop | ...
    skyline: str  # hills | dunes | mountains | city | cave | towers | stars | canopy | sea | clouds
    particle_kind: str  # rain | snow | embers | leaves | sand | sparks | sprinkles | bubbles | spores
    collectible_shape: str  # coin | gem | star | fruit | orb
    hazard_shape: str  # slime | bat | spikeball | ghost | drone | crab | bee
    liquid_level: float = 0.3  # top-down: share of the map under water / lava / void (roughly)


def _t(**kw: Any) -> Theme:
    return Theme(**kw)


_THEMES = [
    _t(
        id="forest",
        label="Forest",
        description="a green forest with tall leafy trees, grassy meadows, "
        "mossy rocks, ponds and winding dirt paths in the woods",
        sky=("#5fa8e8", "#cfe9f7"),
        ground=("#7cc35a", "#5aa042", "#3e7a30"),
        soil=("#9a6b3f", "#6e4a2a"),
        obstacle=("#2f8a3a", "#1d5a27", "#6b4226"),
        block=("#8a8f96", "#5b6068"),
        liquid=("#3f7fd0", "#8cc0f0"),
        deco=("#f2e35c", "#e86a8a"),
        far="#8fb9d6",
        mid="#4f8f4f",
        collectible=("#f5c431", "#fff4a8"),
        hazard=("#7b4fc4", "#4a2c80"),
        particle="#b9d4f0",
        ground_style="grass",
        obstacle_style="tree",
        skyline="hills",
        particle_kind="rain",
        collectible_shape="coin",
        hazard_shape="slime",
    ),
    _t(
        id="desert",
        label="Desert",
        description="a hot sandy desert with dunes, cacti, sandstone rocks, "
        "a blazing sun, an oasis and ancient pyramids in the dry wasteland",
        sky=("#f0a04a", "#fde3a0"),
        ground=("#f2d08a", "#e0b766", "#b98d45"),
        soil=("#c98f4e", "#9c6a33"),
        obstacle=("#4f9a48", "#2f6a2f", "#e7c27a"),
        block=("#c7834a", "#8e5630"),
        liquid=("#2fa7b8", "#9be3e8"),
        deco=("#a8763e", "#e8e0c8"),
        far="#e7a86a",
        mid="#d88f4e",
        collectible=("#41d1e0", "#d8fbff"),
        hazard=("#b0402c", "#6a2116"),
        particle="#f6dca0",
        ground_style="sand",
        obstacle_style="cactus",
        skyline="dunes",
        particle_kind="sand",
        collectible_shape="gem",
        hazard_shape="crab",
        liquid_level=0.2,
    ),
    _t(
        id="snow",
        label="Snowy peaks",
        description="a snowy winter landscape with frozen mountains, ice caves, "
        "snowdrifts, icy lakes, pine trees and a cozy cold mountain village in the snow",
        sky=("#8fb3d9", "#e8f1fa"),
        ground=("#ffffff", "#e4eef8", "#b8c9dc"),
        soil=("#9fb4cc", "#6f86a3"),
        obstacle=("#2e6b57", "#1b4a3d", "#6b4a32"),
        block=("#a7c7e6", "#6f94bb"),
        liquid=("#6fb7e8", "#d2efff"),
        deco=("#c43c3c", "#7aa7c9"),
        far="#b7c8de",
        mid="#8da6c2",
        collectible=("#7fe6ff", "#ffffff"),
        hazard=("#4a79c9", "#253f7a"),
        particle="#ffffff",
        ground_style="snow",
        obstacle_style="pine",
        skyline="mountains",
        particle_kind="snow",
        collectible_shape="gem",
        hazard_shape="slime",
    ),
    _t(
        id="ocean",
        label="Tropical islands",
        description="a sunny tropical ocean with sandy beaches, palm "
        "trees, islands surrounded by blue sea water, coral, shells and pirate treasure",
        sky=("#3fb6f0", "#c9f0ff"),
        ground=("#f7e3a8", "#ecd18a", "#c9aa62"),
        soil=("#d8b46c", "#a88445"),
        obstacle=("#37a84a", "#1f6e2e", "#8a5a2e"),
        block=("#b58a5a", "#7a5632"),
        liquid=("#1f86d8", "#7fd3ff"),
        deco=("#f08a7a", "#ffffff"),
        far="#7fcff0",
        mid="#2f9ad8",
        collectible=("#fbeee8", "#ffffff"),
        hazard=("#e8502e", "#9a2a14"),
        particle="#bfe8ff",
        ground_style="sand",
        obstacle_style="palm",
        skyline="sea",
        particle_kind="rain",
        collectible_shape="orb",
        hazard_shape="crab",
        liquid_level=0.5,
    ),
    _t(
        id="neon_city",
        label="Neon city",
        description="a futuristic cyberpunk neon city at night with "
        "glowing signs, skyscrapers, wet streets, holograms and pink and cyan lights",
        sky=("#120a2e", "#5a1a6a"),
        ground=("#5a5078", "#3e3860", "#25203e"),
        soil=("#34304e", "#1e1a36"),
        obstacle=("#27e0f0", "#1a2f5a", "#ff3fa8"),
        block=("#4a3f78", "#2a2350"),
        liquid=("#0d0820", "#ff3fa8"),
        deco=("#ff3fa8", "#27e0f0"),
        far="#2a1a55",
        mid="#3a2470",
        collectible=("#ffe23f", "#ffffff"),
        hazard=("#ff4f4f", "#7a1a2a"),
        particle="#8fd8ff",
        ground_style="panel",
        obstacle_style="building",
        skyline="city",
        particle_kind="rain",
        collectible_shape="coin",
        hazard_shape="drone",
        liquid_level=0.22,
    ),
    _t(
        id="lava_cave",
        label="Lava cave",
        description="a dark volcanic lava cave with rivers of molten "
        "magma, glowing embers, black basalt rocks, fire and smoke deep underground",
        sky=("#220c08", "#8a2a0c"),
        ground=("#4a3a38", "#362a28", "#201818"),
        soil=("#2a1e1c", "#160e0c"),
        obstacle=("#5a4a46", "#2a201e", "#ff7a1a"),
        block=("#4a3430", "#2a1a18"),
        liquid=("#ff5a0a", "#ffd23a"),
        deco=("#ff8a2a", "#8a2a1a"),
        far="#5a2016",
        mid="#1c0806",
        collectible=("#ff3a5a", "#ffc8d0"),
        hazard=("#ffb02a", "#c43a0a"),
        particle="#ffa030",
        ground_style="cobble",
        obstacle_style="rock",
        skyline="cave",
        particle_kind="embers",
        collectible_shape="gem",
        hazard_shape="spikeball",
    ),
    _t(
        id="candy",
        label="Candy land",
        description="a sweet candy land made of sugar, lollipops, "
        "gumdrops, chocolate rivers, cupcakes, pink frosting and rainbow sprinkles",
        sky=("#ffa8d8", "#fff0fa"),
        ground=("#ffd0ea", "#ffb3dc", "#e07ab4"),
        soil=("#8a4a2a", "#5a2e18"),
        obstacle=("#ff5a8a", "#b8306a", "#ffffff"),
        block=("#9ae0ff", "#4aa8d8"),
        liquid=("#7a3f1e", "#b8764a"),
        deco=("#7ad8a8", "#ffe25a"),
        far="#ffc8e8",
        mid="#f59ad0",
        collectible=("#ffe25a", "#ffffff"),
        hazard=("#8ae05a", "#3a9a2a"),
        particle="#ffffff",
        ground_style="candy",
        obstacle_style="lollipop",
        skyline="hills",
        particle_kind="sprinkles",
        collectible_shape="star",
        hazard_shape="slime",
    ),
    _t(
        id="space_station",
        label="Space station",
        description="a sci-fi space station with metal "
        "corridors, control consoles, blinking lights, airlocks, robots and stars in outer space",
        sky=("#02030a", "#0c1630"),
        ground=("#9aa6b4", "#7a8698", "#4e5868"),
        soil=("#5a6476", "#394252"),
        obstacle=("#c8d2de", "#4a5466", "#3aff8a"),
        block=("#6a7890", "#3a4458"),
        liquid=("#04060e", "#3a4a9a"),
        deco=("#3aff8a", "#ff4a4a"),
        far="#1a2450",
        mid="#2a3460",
        collectible=("#3ae0ff", "#e0ffff"),
        hazard=("#ff4a4a", "#7a1a1a"),
        particle="#c8f0ff",
        ground_style="panel",
        obstacle_style="console",
        skyline="stars",
        particle_kind="sparks",
        collectible_shape="orb",
        hazard_shape="drone",
        liquid_level=0.22,
    ),
    _t(
        id="jungle",
        label="Jungle",
        description="a dense tropical rainforest jungle with vines, giant "
        "leaves, ancient temple ruins, waterfalls, parrots and monkeys",
        sky=("#4aa86a", "#b8e8a0"),
        ground=("#4aa83a", "#2f8a2a", "#1a5a1a"),
        soil=("#7a4a2a", "#4a2c18"),
        obstacle=("#1f7a2a", "#0e4a16", "#5a3a1e"),
        block=("#7a8a6a", "#4a5a3e"),
        liquid=("#2a8a9a", "#7ad8d8"),
        deco=("#ff5a3a", "#ffd23a"),
        far="#3a8a5a",
        mid="#1f6a3a",
        collectible=("#ffcf2a", "#fff0a0"),
        hazard=("#2a2a2a", "#ffd23a"),
        particle="#a8e0ff",
        ground_style="grass",
        obstacle_style="tree",
        skyline="canopy",
        particle_kind="rain",
        collectible_shape="fruit",
        hazard_shape="bee",
    ),
    _t(
        id="swamp",
        label="Swamp",
        description="a murky green swamp bog with muddy water, dead trees, "
        "moss, mushrooms, fog, frogs and fireflies in the marsh",
        sky=("#4a5a3a", "#a8b88a"),
        ground=("#6a7a3a", "#566a2e", "#3a4a1e"),
        soil=("#4a3a22", "#2e2414"),
        obstacle=("#5a4a3a", "#33281e", "#8aa83a"),
        block=("#5a5a4a", "#3a3a2e"),
        liquid=("#2e5a52", "#6a9a82"),
        deco=("#c8d85a", "#d85a3a"),
        far="#6a7a5a",
        mid="#4a5a3a",
        collectible=("#d8ff5a", "#ffffd0"),
        hazard=("#3a8a3a", "#1a4a1a"),
        particle="#e8ff7a",
        ground_style="mud",
        obstacle_style="deadtree",
        skyline="hills",
        particle_kind="spores",
        collectible_shape="orb",
        hazard_shape="slime",
        liquid_level=0.4,
    ),
    _t(
        id="autumn",
        label="Autumn woods",
        description="an autumn fall forest with orange, red and "
        "golden leaves, pumpkins, acorns, mushrooms and a cozy harvest countryside",
        sky=("#e89a5a", "#fde0b0"),
        ground=("#c8a04a", "#b0863a", "#7a5a2a"),
        soil=("#8a5a32", "#5a3a1e"),
        obstacle=("#e0602a", "#9a3a18", "#5a3a22"),
        block=("#9a7a5a", "#6a5238"),
        liquid=("#4a7ab0", "#a0c8e8"),
        deco=("#ff8a1a", "#c8302a"),
        far="#d89a6a",
        mid="#b8602a",
        collectible=("#ff8a1a", "#ffd8a0"),
        hazard=("#4a3a6a", "#2a1e40"),
        particle="#e8702a",
        ground_style="grass",
        obstacle_style="tree",
        skyline="hills",
        particle_kind="leaves",
        collectible_shape="fruit",
        hazard_shape="bat",
    ),
    _t(
        id="castle",
        label="Castle",
        description="a medieval stone castle with towers, battlements, "
        "brick walls, banners, torches, a drawbridge, knights and a moat",
        sky=("#6a7ab8", "#c8d0e8"),
        ground=("#9a9aa0", "#7e7e86", "#55555e"),
        soil=("#6a625a", "#45403a"),
        obstacle=("#8a8a92", "#4a4a52", "#c83a3a"),
        block=("#a89a88", "#6e6456"),
        liquid=("#2a4a7a", "#6a8ac0"),
        deco=("#c83a3a", "#f0c83a"),
        far="#8a92b8",
        mid="#5a6088",
        collectible=("#f5c431", "#fff4a8"),
        hazard=("#5a5a62", "#2a2a30"),
        particle="#d0d8f0",
        ground_style="cobble",
        obstacle_style="pillar",
        skyline="towers",
        particle_kind="rain",
        collectible_shape="coin",
        hazard_shape="spikeball",
        liquid_level=0.26,
    ),
    _t(
        id="graveyard",
        label="Haunted graveyard",
        description="a spooky haunted graveyard at midnight "
        "with tombstones, ghosts, bare trees, jack-o-lanterns, fog and a full moon",
        sky=("#1a1a3a", "#4a3a6a"),
        ground=("#3a4a3a", "#2e3e30", "#1a2a1e"),
        soil=("#3a3028", "#221c16"),
        obstacle=("#8a8a9a", "#4a4a5a", "#3a2a1e"),
        block=("#5a5068", "#3a3448"),
        liquid=("#1a1a2a", "#5a4a8a"),
        deco=("#ff8a1a", "#6a6a7a"),
        far="#2a2a4a",
        mid="#1a1a30",
        collectible=("#a8ffe8", "#ffffff"),
        hazard=("#e8f0ff", "#8a9ab8"),
        particle="#c8c8e8",
        ground_style="grass",
        obstacle_style="tombstone",
        skyline="hills",
        particle_kind="spores",
        collectible_shape="orb",
        hazard_shape="ghost",
    ),
    _t(
        id="crystal_cave",
        label="Crystal cave",
        description="an underground crystal cave glittering with "
        "purple and blue gems, amethyst geodes, glowing minerals and stalactites",
        sky=("#140a28", "#4a2270"),
        ground=("#5a4a7a", "#4a3a66", "#2a2040"),
        soil=("#3a2e52", "#221a34"),
        obstacle=("#b87aff", "#5a2aa8", "#7ae8ff"),
        block=("#6a5a8a", "#3e3258"),
        liquid=("#1a3a7a", "#5ab8ff"),
        deco=("#7ae8ff", "#ff7ae0"),
        far="#4a2a78",
        mid="#150b2a",
        collectible=("#7ae8ff", "#ffffff"),
        hazard=("#3a2a4a", "#ff5a8a"),
        particle="#d8b8ff",
        ground_style="cobble",
        obstacle_style="crystal",
        skyline="cave",
        particle_kind="sparks",
        collectible_shape="gem",
        hazard_shape="bat",
    ),
    _t(
        id="meadow",
        label="Spring meadow",
        description="a bright spring meadow farm with flowers, "
        "butterflies, bees, hay bales, a red barn, fences and rolling green fields",
        sky=("#6ac0ff", "#e0f4ff"),
        ground=("#9ae05a", "#7ac842", "#55a02e"),
        soil=("#b8864a", "#8a5e30"),
        obstacle=("#e04a3a", "#8a2a20", "#f0e0c0"),
        block=("#e0c060", "#a8883a"),
        liquid=("#4aa8f0", "#b0e0ff"),
        deco=("#ff7ab8", "#ffffff"),
        far="#a8d0a0",
        mid="#6ab85a",
        collectible=("#ffe23f", "#fffbe0"),
        hazard=("#ffd23a", "#2a2a2a"),
        particle="#ffd0e8",
        ground_style="grass",
        obstacle_style="haybale",
        skyline="hills",
        particle_kind="leaves",
        collectible_shape="star",
        hazard_shape="bee",
        liquid_level=0.28,
    ),
    _t(
        id="sky_islands",
        label="Sky islands",
        description="floating sky islands high above the clouds "
        "with fluffy white cloud platforms, rainbows, hot air balloons and birds in the blue sky",
        sky=("#4a8af0", "#d0e8ff"),
        ground=("#ffffff", "#eef4ff", "#c0d0ec"),
        soil=("#d8e4f8", "#a8bce0"),
        obstacle=("#ffd84a", "#c89a1a", "#ff6a6a"),
        block=("#f0f4ff", "#b8c8e8"),
        liquid=("#7ab0f8", "#c8e0ff"),
        deco=("#ff9ad8", "#9ae0ff"),
        far="#b8d4ff",
        mid="#e8f0ff",
        collectible=("#ffe23f", "#ffffff"),
        hazard=("#4a4a6a", "#ff9a3a"),
        particle="#ffffff",
        ground_style="cloud",
        obstacle_style="balloon",
        skyline="clouds",
        particle_kind="sparks",
        collectible_shape="star",
        hazard_shape="bat",
        liquid_level=0.45,
    ),
]

#: Visual themes by stable id.
THEMES: dict[str, Theme] = {t.id: t for t in _THEMES}


def _check(kind: str, value: object, valid: Iterable[str]) -> None:
    valid = sorted(valid)
    if not isinstance(value, str) or value not in valid:
        raise ValueError(f"unknown {kind} {value!r}; expected one of {valid}")


@dataclass(frozen=True)
class WorldSpec:
    """Everything that determines a procedural world. Same spec -> same world, frame for frame."""

    theme: str
    mechanics: frozenset[str]
    camera: str
    seed: int

    def __post_init__(self) -> None:
        _check("theme", self.theme, THEMES)
        _check("camera", self.camera, CAMERAS)
        if isinstance(self.mechanics, str):
            raise ValueError(f"mechanics must be a collection of ids, not the string {self.mechanics!r}")
        mechanics = frozenset(self.mechanics)
        for m in sorted(mechanics, key=str):
            _check("mechanic", m, MECHANICS)
        object.__setattr__(self, "mechanics", mechanics)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ValueError(f"seed must be an int, got {self.seed!r}")

    @property
    def has_gravity(self) -> bool:
        """Side view is always a platformer; top-down gets gravity (hopping) only as a mechanic."""
        return self.camera == "side" or "gravity" in self.mechanics

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form; `WorldSpec.from_dict` inverts it."""
        return {
            "theme": self.theme,
            "mechanics": sorted(self.mechanics),
            "camera": self.camera,
            "seed": self.seed,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WorldSpec:
        return cls(data["theme"], frozenset(data["mechanics"]), data["camera"], int(data["seed"]))
