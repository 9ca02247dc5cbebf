from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "partnerprogram.accounts"
    label = "accounts"
    verbose_name = "Accounts"
