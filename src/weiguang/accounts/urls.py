# Each sub-area of accounts adds its pages here (views/ holds one module a sub-area).
urlpatterns: list = []
