"""The offline evaluation command on a small population, and the beat tasks' wiring."""

import importlib
import io
import json

import pytest
from django.conf import settings
from django.core.management import call_command

from recommend import tasks
from recommend.models import RankerModel, WorldEmbedding, WorldStats
from tests.factories import WorldFactory
from tests.recommend.conftest import hash_encoder
from tests.recommend.helpers import played
from worlds.models import World

pytestmark = pytest.mark.django_db


def test_eval_recommender_writes_every_policy_and_leaves_the_database_alone(tmp_path):
    out = tmp_path / "eval.json"
    worlds_before = World.objects.count()
    call_command(
        "eval_recommender",
        "--seed",
        "3",
        "--users",
        "8",
        "--worlds",
        "30",
        "--rounds",
        "2",
        "--warmup-rounds",
        "1",
        "--json",
        str(out),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    result = json.loads(out.read_text())
    assert set(result["policies"]) == {"ranker", "popularity", "random", "als"}
    for metrics in result["policies"].values():
        assert {"play_time_per_session", "ndcg10", "coverage", "novelty"} <= set(metrics)
        assert metrics["sessions"] == 16 and 0 <= metrics["ndcg10"] <= 1 and 0 < metrics["coverage"] <= 1
    assert set(result["lift"]) == {"popularity", "random", "als"}
    assert World.objects.count() == worlds_before and not WorldEmbedding.objects.exists()


def test_beat_schedule_names_real_tasks():
    schedule = settings.CELERY_BEAT_SCHEDULE
    names = {entry["task"] for entry in schedule.values()}
    assert names == {
        "recommend.tasks.aggregates_refresh",
        "recommend.tasks.ranker_fit",
        "recommend.tasks.embeddings_backfill",
        "worlds.tasks.moments_expire",
    }
    for name in names:
        module, task = name.rsplit(".", 1)
        assert getattr(importlib.import_module(module), task).name == name


def test_tasks_embed_refresh_and_fit(monkeypatch):
    monkeypatch.setattr("inference.text_encoder.encode", hash_encoder)
    worlds = WorldFactory.create_batch(3)
    assert tasks.embeddings_backfill() == 3
    assert tasks.embeddings_backfill() == 0  # idempotent
    World.objects.filter(pk=worlds[0].pk).update(prompt="a brand new prompt about lava caves")
    assert tasks.world_embed(worlds[0].pk) == 1 and tasks.world_embed(worlds[0].pk) == 0
    played("s:t", worlds[1], 45)
    assert tasks.aggregates_refresh() == 0  # younger than the safety lag: waits for the next beat
    assert WorldStats.objects.count() == 3
    assert tasks.ranker_fit() == RankerModel.objects.get().pk
