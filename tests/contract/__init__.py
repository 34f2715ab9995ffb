"""Contract tests: every AWS resource the stacks plan, replayed against moto in process.

Adding an AWS resource type to a component makes ``test_every_planned_aws_resource_type_has_a_replayer``
fail until it has a replayer. To add one:

1. declare a resource of the type in ``fixture_program/`` (as the component would);
2. write ``@replays("<type token>")`` in the matching ``moto_replay/<service>.py``: read every input
   through :class:`~tests.contract.moto_replay.inputs.Inputs` (an input left unread fails the replay)
   and return the values later resources reference (at least ``id``);
3. add a refusal case to ``test_replay_refusals.py`` proving the replay refuses a bad value.
"""
