from ninja import NinjaAPI

api = NinjaAPI(title="Vækst Via Viden API", version="1.0.0")
