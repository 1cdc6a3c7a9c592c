from django import forms

from backups.choices import BackupKind
from backups.models import BackupSettings


class BackupNowForm(forms.Form):
    kind = forms.ChoiceField(choices=BackupKind.choices, initial=BackupKind.FULL)


class RestoreUploadForm(forms.Form):
    file = forms.FileField(help_text="A Spends Tracker backup .zip")


class BackupSettingsForm(forms.ModelForm):
    class Meta:
        model = BackupSettings
        fields = ["enabled", "frequency", "keep_last"]
