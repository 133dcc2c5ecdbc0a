from ninja import Router

router = Router()
auth_chain = None


def install_error_handlers(api):
    pass
