"""The guideline rules every installation starts with (seeded by migration 0002 and `seed_policy_rules`).

Each entry: (category, match_kind, action, phrase, threshold or None, fields or ()). Moderators edit,
disable and add rules in admin; seeding only adds rules that are missing, it never overwrites edits.

Keywords are the unambiguous words; the semantic concepts catch paraphrases; the allow concepts
(category game_theme) describe ordinary game themes that share trigger words with the concepts.
"""

from __future__ import annotations

K, S, C, R = "keyword", "semantic", "combination", "regex"
BLOCK, FLAG, ALLOW = "block", "flag", "allow"

_PROFANITY = [
    "*fuck*",
    "fck",
    "fuk",
    "fcuk",
    "*shit*",
    "cunt*",
    "bitch*",
    "asshole*",
    "arsehole*",
    "whore*",
    "slut*",
    "wank*",
    "twat*",
    "dickhead*",
    "motherf*",
    "cocksucker*",
    "jackass",
    "dumbass",
    "bullshit",
    "piss off",
    "go to hell",
    "stfu",
    "wtf",
]
_HATE_WORDS = [
    "nigger*",
    "nigga*",
    "n1gger",
    "sandnigger*",
    "faggot*",
    "fag",
    "fags",
    "dyke",
    "kike*",
    "spic",
    "spics",
    "chink",
    "chinks",
    "gook*",
    "wetback*",
    "raghead*",
    "towelhead*",
    "tranny",
    "trannies",
    "retard",
    "retards",
    "retarded",
    "coon",
    "coons",
    "beaner*",
    "paki",
    "pakis",
]
_SEXUAL_WORDS = [
    "porn*",
    "hentai",
    "xxx",
    "nsfw",
    "nude",
    "nudes",
    "nudity",
    "nudist*",
    "sex",
    "sexy",
    "sexual",
    "sexually",
    "intercourse",
    "orgasm*",
    "erotic*",
    "masturbat*",
    "blowjob*",
    "handjob*",
    "boob",
    "boobs",
    "titties",
    "tits",
    "dick",
    "dicks",
    "penis*",
    "vagina*",
    "stripper*",
    "strip club",
    "brothel*",
    "prostitut*",
    "hooker*",
    "onlyfans",
    "milf",
    "bdsm",
    "fetish*",
    "making love",
    "topless",
    "lingerie",
    "orgy",
    "orgies",
    "rape",
    "raping",
    "rapist*",
    "molest*",
]
_MINOR_WORDS = ["loli", "lolis", "lolicon", "shota*", "jailbait", "cp", "pedo*", "paedo*"]
_VIOLENCE_WORDS = [
    "school shooting",
    "school shooter",
    "mass shooting",
    "columbine",
    "sandy hook",
    "uvalde",
    "christchurch shooting",
    "utoya",
    "terrorist attack",
    "suicide bomb*",
    "car bomb*",
    "ethnic cleansing",
    "genocide",
    "lynch*",
    "behead*",
]
_EXTREMISM_WORDS = [
    "heil hitler",
    "sieg heil",
    "1488",
    "white power",
    "fourth reich",
    "kkk",
    "ku klux klan",
    "race war",
    "gas chamber*",
    "death camp*",
    "jihadi*",
    "al qaeda",
]
_SELF_HARM_WORDS = [
    "kys",
    "kill yourself",
    "killyourself",
    "pro ana",
    "proana",
    "thinspo*",
    "slit your wrists",
    "hang yourself",
    "cut yourself",
]
_DRUG_WORDS = [
    "meth",
    "crystal meth",
    "crack cocaine",
    "heroin",
    "fentanyl",
    "cocaine",
    "smoke crack",
    "sell crack",
]

_CONCEPTS = [
    ("sexual", BLOCK, 0.45, "explicit sexual content with naked people having sex"),
    ("sexual", BLOCK, 0.45, "a pornographic game with nudity"),
    ("sexual", BLOCK, 0.45, "seducing someone and sleeping with them in bed"),
    ("sexual", BLOCK, 0.45, "undressing people to see them naked"),
    ("sexual", BLOCK, 0.45, "prostitution and paying for sex"),
    ("minors", BLOCK, 0.5, "sexual content involving children or underage kids"),
    ("minors", BLOCK, 0.5, "naked children"),
    ("minors", BLOCK, 0.5, "an adult grooming a child"),
    ("violence", BLOCK, 0.45, "a school shooting where you kill students and teachers"),
    ("violence", BLOCK, 0.45, "a mass shooting of innocent civilians in a public place"),
    ("violence", BLOCK, 0.45, "a terrorist bombing that kills crowds of people"),
    ("violence", BLOCK, 0.45, "running over pedestrians with a car or truck on purpose"),
    ("violence", BLOCK, 0.45, "murdering real people and hiding their bodies"),
    ("violence", BLOCK, 0.45, "attacking worshippers in a church, mosque or synagogue"),
    ("violence", BLOCK, 0.45, "assassinating a real politician or president"),
    ("gore", BLOCK, 0.45, "torturing a helpless prisoner in graphic detail"),
    ("gore", BLOCK, 0.45, "mutilating and dismembering human bodies with gore"),
    ("gore", BLOCK, 0.45, "cruelly torturing animals such as puppies or kittens"),
    ("hate", BLOCK, 0.45, "exterminating a religious or ethnic group"),
    ("hate", BLOCK, 0.45, "killing people because of their race or religion"),
    ("hate", BLOCK, 0.45, "hunting immigrants or refugees"),
    ("hate", BLOCK, 0.45, "a racist game that dehumanises black people"),
    ("extremism", BLOCK, 0.45, "glorifying nazis, hitler and the holocaust"),
    ("extremism", BLOCK, 0.45, "joining a terrorist group to kill unbelievers"),
    ("self_harm", BLOCK, 0.5, "committing suicide to end your life"),
    ("self_harm", BLOCK, 0.5, "cutting or hurting yourself on purpose"),
    ("self_harm", BLOCK, 0.5, "starving yourself to become thin"),
    ("self_harm", BLOCK, 0.5, "taking an overdose of pills"),
    ("drugs", BLOCK, 0.45, "cooking and selling hard drugs like meth, cocaine or heroin"),
    ("drugs", BLOCK, 0.45, "taking drugs to get high"),
    ("harassment", FLAG, 0.45, "bullying and mocking a real named person from school or work"),
    ("harassment", FLAG, 0.45, "publishing someone's home address to harass them"),
]

#: Ordinary game themes: a semantic hit is dropped when the clause is at least as near to one of these.
_GAME_THEMES = [
    "a fantasy battle with knights, swords and orcs",
    "slaying a dragon to save the kingdom",
    "a space shooter blasting alien spaceships",
    "pirates fighting at sea for treasure",
    "zombie apocalypse survival",
    "defeating monsters in a dungeon",
    "a ninja sneaking through a castle",
    "a wild west cowboy shootout",
    "a world war two shooter against enemy soldiers",
    "a spy defusing a bomb",
    "a spooky haunted house with ghosts and skeletons",
    "vampires and werewolves in a gothic castle",
    "shoot for the stars and follow your dreams",
    "shooting stars in the night sky",
    "a rocket launch into space",
    "cops chasing robbers",
    "robots fighting a war",
    "a sports match or tournament",
    "a laser tag or paintball arena",
    "a gladiator arena in ancient rome",
    "an alchemist brewing magic potions",
    "a medieval siege with catapults",
    "a cozy farm with animals",
    "a school of fish in a coral reef",
    "a magic school for young wizards",
    "a superhero team on a mission",
    "a fireworks festival",
]

_COMBINATIONS = [
    (
        "violence",
        FLAG,
        "hazards + high school|elementary school|middle school|my school|classroom|classmates|"
        "students|pupils|teachers|schoolkids",
    ),
    (
        "violence",
        FLAG,
        "hazards + crowd|pedestrians|civilians|protesters|worshippers|mosque|synagogue|"
        "shoppers|concert goers",
    ),
    ("photosensitivity", FLAG, "weather + daynight + strobe|strobing|flashing|flicker|flickering|flashes"),
    ("photosensitivity", FLAG, "speed + strobe|strobing|flashing|flicker|flickering|flashes"),
    ("violence", FLAG, "speed + drunk|drunk driving|drink driving|run over"),
    (
        "violence",
        BLOCK,
        "shoot*|gun down|guns down|gunning down|murder*|slaughter*|stab* + shoppers|"
        "students|pupils|schoolchildren|schoolkids|worshippers|pedestrians|civilians|"
        "classmates|teachers|congregation|concert goers|passengers",
    ),
    (
        "minors",
        BLOCK,
        "child|children|kid|kids|minor|minors|underage|schoolgirl*|schoolboy*|toddler*|"
        "preteen*|teen|teens|little girl*|little boy* + sex|sexy|sexual|nude|naked|"
        "erotic|porn*|lingerie|undress*|seduce*|without clothes|topless",
    ),
]


def default_rules() -> list[tuple]:
    """Every default rule as (category, match_kind, action, phrase, threshold, fields)."""
    rules: list[tuple] = []
    rules += [("profanity", K, BLOCK, w, None, ()) for w in _PROFANITY]
    rules += [("hate", K, BLOCK, w, None, ()) for w in _HATE_WORDS]
    rules += [("sexual", K, BLOCK, w, None, ()) for w in _SEXUAL_WORDS]
    rules += [("minors", K, BLOCK, w, None, ()) for w in _MINOR_WORDS]
    rules += [("violence", K, BLOCK, w, None, ()) for w in _VIOLENCE_WORDS]
    rules += [("extremism", K, BLOCK, w, None, ()) for w in _EXTREMISM_WORDS]
    rules += [("self_harm", K, BLOCK, w, None, ()) for w in _SELF_HARM_WORDS]
    rules += [("drugs", K, BLOCK, w, None, ()) for w in _DRUG_WORDS]
    rules += [("harassment", K, FLAG, w, None, ()) for w in ("doxx*", "dox", "home address")]
    rules += [("extremism", K, FLAG, "isis", None, ())]  # also an Egyptian goddess: a moderator decides
    rules += [
        (category, S, action, phrase, threshold, ()) for category, action, threshold, phrase in _CONCEPTS
    ]
    rules += [("game_theme", S, ALLOW, phrase, None, ()) for phrase in _GAME_THEMES]
    rules += [(category, C, action, phrase, None, ()) for category, action, phrase in _COMBINATIONS]
    return rules
