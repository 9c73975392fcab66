# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets Manager correction made inside moto (localcloud.moto_patches); it fails against plain moto."""


def _labelled(sm, name):
    """{version id: stages} of the versions that carry a staging label (AWS lists only those)."""
    stages = sm.describe_secret(SecretId=name)["VersionIdsToStages"]
    return {version: sorted(labels) for version, labels in stages.items() if labels}


def test_put_after_a_rollback_relabels_the_rolled_back_to_version(lc, aws):
    sm = aws("secretsmanager")
    first = sm.create_secret(Name="app/secret", SecretString="one")["VersionId"]
    second = sm.put_secret_value(SecretId="app/secret", SecretString="two")["VersionId"]
    # Roll back: AWSCURRENT to the first version; AWSPREVIOUS moves to the second by itself.
    sm.update_secret_version_stage(
        SecretId="app/secret", VersionStage="AWSCURRENT", MoveToVersionId=first, RemoveFromVersionId=second
    )
    assert _labelled(sm, "app/secret") == {first: ["AWSCURRENT"], second: ["AWSPREVIOUS"]}

    # Plain moto relabels the version it still thinks is current (second): first stays AWSCURRENT too.
    third = sm.put_secret_value(SecretId="app/secret", SecretString="three")["VersionId"]
    assert _labelled(sm, "app/secret") == {first: ["AWSPREVIOUS"], third: ["AWSCURRENT"]}
    assert sm.get_secret_value(SecretId="app/secret", VersionStage="AWSCURRENT")["SecretString"] == "three"
    assert sm.get_secret_value(SecretId="app/secret", VersionStage="AWSPREVIOUS")["SecretString"] == "one"
