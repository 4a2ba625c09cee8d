print("omniseg-worker")
