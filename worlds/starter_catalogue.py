"""The worlds a fresh install starts with: varied themes, mechanics and a few remix chains.

Each entry: (key, creator, title, prompt, mechanics, seed, parent key or None). Keys make the
seeding idempotent; parents come before their remixes.
"""

STARTER_CREATORS = ["pixelpilot", "mossgarden", "neonmoth", "tidecaller", "emberfox", "sugarcube"]

STARTER_WORLDS = [
    ("pine-trail", "mossgarden", "Pine Trail", "a quiet pine forest trail with mossy rocks and fireflies",
     ["collectibles", "daynight"], 101, None),
    ("dune-runner", "pixelpilot", "Dune Runner", "side-scrolling platformer across golden desert dunes under a blazing sun",
     ["gravity", "hazards", "speed"], 202, None),
    ("frost-village", "tidecaller", "Frost Village", "a snowy mountain village at dusk, snow falling softly",
     ["weather", "collectibles"], 303, None),
    ("reef-drift", "tidecaller", "Reef Drift", "top-down ocean reef with coral, sand bars and drifting jellyfish",
     ["hazards", "collectibles"], 404, None),
    ("neon-alley", "neonmoth", "Neon Alley", "rain-soaked neon city alleys with glowing signs at night",
     ["weather", "speed"], 505, None),
    ("magma-depths", "emberfox", "Magma Depths", "a lava cave platformer with rivers of magma and falling embers",
     ["gravity", "hazards", "weather"], 606, None),
    ("gumdrop-hills", "sugarcube", "Gumdrop Hills", "candy land of gumdrop hills and lollipop trees",
     ["collectibles", "gravity"], 707, None),
    ("orbital-deck", "pixelpilot", "Orbital Deck", "a top-down space station with metal corridors and blinking consoles",
     ["hazards", "daynight"], 808, None),
    ("canopy-climb", "mossgarden", "Canopy Climb", "dense jungle platformer with vines, ferns and hidden fruit",
     ["gravity", "collectibles"], 909, None),
    ("bog-lanterns", "emberfox", "Bog Lanterns", "a misty swamp with lantern lights and slow moving bog creatures",
     ["hazards", "daynight"], 1010, None),
    ("maple-lane", "sugarcube", "Maple Lane", "autumn park with red maple leaves swirling in the wind",
     ["weather", "collectibles"], 1111, None),
    ("keep-ramparts", "neonmoth", "Keep Ramparts", "side-scrolling castle ramparts with torches and patrolling guards",
     ["gravity", "hazards"], 1212, None),
    # Remix chains: a fresh install shows lineage from day one.
    ("pine-trail-night", "neonmoth", "Pine Trail After Dark", "a pine forest trail at night, fireflies everywhere and owls watching",
     ["collectibles", "daynight", "hazards"], 1313, "pine-trail"),
    ("pine-trail-blizzard", "tidecaller", "Pine Trail Blizzard", "a pine forest trail in a howling blizzard",
     ["collectibles", "weather"], 1414, "pine-trail-night"),
    ("dune-runner-turbo", "emberfox", "Dune Runner Turbo", "side-scrolling desert dunes at sunset, faster and with sandstorms",
     ["gravity", "hazards", "speed", "weather"], 1515, "dune-runner"),
]
