"""The serving core: the one request type, the model manager, the render loop, scheduler and cache."""
