"""Pictures of Slime Volleyball games for ``topoevo play --render``: one frame of a :class:`SlimeBatch` game drawn
with Pillow (the package's own renderer needs a display through pyglet, or switches the whole module into its pixel
observation mode). The court is drawn in the package's world units: 48 wide, the ground at height 1.5, the fence
1 wide and 3.5 high at x = 0, the slimes half discs of radius 1.5, the ball a disc of radius 0.5; the colours are
the package's default palette. Each side's remaining lives are the dots along the bottom edge.
"""
from __future__ import annotations

from typing import Any

from topoevo.tasks.slimevolley_batch import (AGENT_R, BALL_R, MAXLIVES, REF_U, REF_W, REF_WALL_HEIGHT,
                                             REF_WALL_WIDTH, SlimeBatch)

BACKGROUND = (255, 255, 255)
GROUND = (128, 227, 153)
FENCE = (240, 210, 130)
BALL = (255, 200, 20)
LEFT = (240, 75, 0)  # the built-in opponent's side
RIGHT = (0, 150, 255)  # the network's side
#: pixels per world unit (the court is 48 x 24 units drawn)
SCALE = 8


class CourtPainter:
    """Draws game ``i`` of a :class:`SlimeBatch` as an RGB image (``SCALE`` pixels per world unit).

    >>> from topoevo.tasks.slimevolley import _module
    >>> env = _module().SlimeVolleyEnv(); _ = env.seed(0); _ = env.reset()
    >>> CourtPainter().frame(SlimeBatch([env]), 0).size
    (384, 192)
    """

    def __init__(self, scale: int = SCALE):
        self.scale = scale
        self.width, self.height = int(REF_W * scale), int(REF_W / 2 * scale)

    def _xy(self, x: float, y: float) -> tuple[float, float]:
        return (x + REF_W / 2) * self.scale, self.height - y * self.scale

    def _disc(self, draw: Any, x: float, y: float, r: float, colour: tuple[int, int, int]) -> None:
        cx, cy = self._xy(x, y)
        d = r * self.scale
        draw.ellipse([cx - d, cy - d, cx + d, cy + d], fill=colour)

    def frame(self, game: SlimeBatch, i: int) -> Any:
        from PIL import Image, ImageDraw

        img = Image.new("RGB", (self.width, self.height), BACKGROUND)
        draw = ImageDraw.Draw(img)
        s = self.scale
        draw.rectangle([0, self.height - REF_U * s, self.width, self.height], fill=GROUND)
        fx, fy = self._xy(-REF_WALL_WIDTH / 2, REF_WALL_HEIGHT)
        draw.rectangle([fx, fy, fx + REF_WALL_WIDTH * s, self.height - REF_U * s], fill=FENCE)
        self._disc(draw, 0.0, REF_WALL_HEIGHT, REF_WALL_WIDTH / 2, FENCE)
        for body, colour in ((game.left, LEFT), (game.right, RIGHT)):
            cx, cy = self._xy(float(body.x[i]), float(body.y[i]))
            d = AGENT_R * s
            draw.pieslice([cx - d, cy - d, cx + d, cy + d], 180, 360, fill=colour)
        self._disc(draw, float(game.ball.x[i]), float(game.ball.y[i]), BALL_R, BALL)
        for lives, side, colour in ((game.life_left[i], -1, LEFT), (game.life_right[i], 1, RIGHT)):
            for k in range(min(int(lives), MAXLIVES)):
                self._disc(draw, side * (REF_W / 2 - 1.0 - 1.5 * k), REF_U / 2, 0.4, colour)
        return img
