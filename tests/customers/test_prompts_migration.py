"""The migration that gives prompts one recording per language keeps the old single language."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def _migrations():
    """(the migration before, the prompt-recordings migration), found by name: the numbers may change."""
    graph = MigrationExecutor(connection).loader.graph
    [after] = [
        key
        for key in graph.nodes
        if key[0] == "customers" and key[1].endswith("_prompt_recordings")
    ]
    [before] = [
        parent.key for parent in graph.node_map[after].parents if parent.key[0] == "customers"
    ]
    return [before], [after]


@pytest.mark.django_db(transaction=True)
def test_a_prompts_language_becomes_its_recording_in_that_language():
    before, after = _migrations()
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    organisation = old.get_model("customers", "Organisation").objects.create(name="migrated")
    Prompt = old.get_model("customers", "Prompt")
    english = Prompt.objects.create(organisation=organisation, name="Closed", language="en")
    Prompt.objects.create(organisation=organisation, name="Any", language="")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)
    new = executor.loader.project_state(after).apps
    recordings = new.get_model("customers", "PromptRecording").objects.all()
    assert [(r.prompt_id, r.language, r.status, bool(r.file)) for r in recordings] == [
        (english.pk, "en", "empty", False)
    ]

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(
        executor.loader.graph.leaf_nodes()
    )  # back to the latest state for the other tests
