def ui(request):
    return {}
