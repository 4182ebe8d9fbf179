from ninja import NinjaAPI

api = NinjaAPI(title="dieuphoi API", version="1", urls_namespace="api")
